using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;

namespace MigrationApp;

// Written against ASP.NET Core SignalR (Microsoft.AspNetCore.SignalR). The migration test changes only the
// using lines and AddSignalR -> AddSignalRLite, then builds and runs it on SignalRLite.

public interface IChatClient
{
    Task Receive(string user, string message);

    Task<string> GetName();
}

public class ChatHub : Hub
{
    public string Echo(string text) => text;

    public async Task Join(string group)
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, group);
        await Clients.Caller.SendAsync("Joined", group);
    }

    public Task Leave(string group) => Groups.RemoveFromGroupAsync(Context.ConnectionId, group);

    public Task SendToGroup(string group, string message) =>
        Clients.Group(group).SendAsync("Receive", Context.ConnectionId, message);

    public Task SendToOthers(string message) => Clients.Others.SendAsync("Receive", Context.ConnectionId, message);

    public async IAsyncEnumerable<int> Count(int to, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var i = 1; i <= to; i++)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            yield return i;
        }
    }

    public ChannelReader<string> Letters(string word)
    {
        var channel = Channel.CreateUnbounded<string>();
        _ = Task.Run(async () =>
        {
            foreach (var c in word)
            {
                await channel.Writer.WriteAsync(c.ToString());
            }

            channel.Writer.Complete();
        });
        return channel.Reader;
    }

    public async Task<int> Sum(IAsyncEnumerable<int> numbers)
    {
        var sum = 0;
        await foreach (var n in numbers)
        {
            sum += n;
        }

        return sum;
    }

    public async Task<string> AskCaller(string question)
    {
        var answer = await Clients.Caller.InvokeAsync<string>("Ask", question, Context.ConnectionAborted);
        return $"caller said {answer}";
    }

    public void Fail() => throw new HubException("refused on purpose");
}

public class TypedHub : Hub<IChatClient>
{
    public async Task<string> WhoAmI()
    {
        var name = await Clients.Caller.GetName();
        await Clients.All.Receive("server", $"{name} is here");
        return name;
    }
}
