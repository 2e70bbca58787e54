using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Http.Connections.Features;
using Microsoft.AspNetCore.SignalR;

namespace MigrationApp;

public enum Mood
{
    Calm,
    Cheerful,
}

public record Person(string Name, int Age, Mood Mood, string? Nickname);

public class ChatHub : Hub
{
    private readonly TickRequests _ticks;

    public ChatHub(TickRequests ticks) => _ticks = ticks;

    public string Echo(string text) => text;

    public int Add(int a, int b) => a + b;

    public void Nothing()
    {
    }

    public string? NullText() => null;

    public Person Describe(string name) => new(name, 42, Mood.Cheerful, null);

    public string Greet(Person person) => $"{person.Name} {person.Age} {person.Mood} {person.Nickname ?? "(no nickname)"}";

    public Task SendNull() => Clients.Caller.SendAsync("Receive", "null", null);

    public string? WhoAmI() => Context.UserIdentifier;

    public string FilterTag() => Context.Items.TryGetValue("tag", out var tag) ? $"{tag}" : "none";

    public string Filtered(string text) => text.ToUpperInvariant();

    public string Blocked() => "the filter lets this through";

    [HubMethodName("shout")]
    public Task ShoutAsync(string text) => Clients.All.SendAsync("Receive", "shout", text);

    public string Connection()
    {
        var http = Context.GetHttpContext();
        var transport = Context.Features.Get<IHttpTransportFeature>();
        var isKnown = transport?.TransportType is HttpTransportType.WebSockets or HttpTransportType.LongPolling or HttpTransportType.ServerSentEvents;
        return $"path={http?.Request.Path} user={http?.Request.Query["user"]} transport={transport?.TransportType} known={isKnown}";
    }

    public async Task Join(string group)
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, group);
        await Clients.Caller.SendAsync("Receive", "joined", group);
    }

    public Task Leave(string group) => Groups.RemoveFromGroupAsync(Context.ConnectionId, group);

    public Task SendToGroup(string group, string message) =>
        Clients.Group(group).SendAsync("Receive", "group", message);

    public Task SendToOthers(string message) => Clients.Others.SendAsync("Receive", "others", message);

    public Task Tick(string tag) => _ticks.RequestAsync(new TickRequest("chat", tag, []));

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

    public async IAsyncEnumerable<int> BrokenStream(bool hubException)
    {
        yield return 1;
        yield return 2;
        await Task.Yield();
        if (hubException)
        {
            throw new HubException("the stream broke");
        }

        throw new InvalidOperationException("secret detail");
    }

    public ChannelReader<int> FaultedChannel()
    {
        var channel = Channel.CreateUnbounded<int>();
        channel.Writer.TryWrite(7);
        channel.Writer.Complete(new HubException("channel faulted"));
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

    public async Task<string> Concat(ChannelReader<string> parts, string separator)
    {
        var all = new List<string>();
        while (await parts.WaitToReadAsync())
        {
            while (parts.TryRead(out var part))
            {
                all.Add(part);
            }
        }

        return string.Join(separator, all);
    }

    public async IAsyncEnumerable<string> Upper(IAsyncEnumerable<string> words)
    {
        await foreach (var word in words)
        {
            yield return word.ToUpperInvariant();
        }
    }

    public async Task<string> AskCaller(string question)
    {
        var answer = await Clients.Caller.InvokeAsync<string>("Ask", question, Context.ConnectionAborted);
        return $"caller said {answer}";
    }

    public async Task<int> AskNumber(int x) => await Clients.Caller.InvokeAsync<int>("Double", x, CancellationToken.None) + 1;

    public async Task<string> AskFailing(string method)
    {
        try
        {
            return await Clients.Client(Context.ConnectionId).InvokeAsync<string>(method, "?", Context.ConnectionAborted);
        }
        catch (Exception ex)
        {
            return $"{ex.GetType().Name}: {ex.Message}";
        }
    }

    public void Fail() => throw new HubException("refused on purpose");

    public void Crash() => throw new InvalidOperationException("secret detail");
}

public class ClientsHub : Hub
{
    private readonly TickRequests _ticks;

    public ClientsHub(TickRequests ticks) => _ticks = ticks;

    public string Id() => Context.ConnectionId;

    public Task Join(string group) => Groups.AddToGroupAsync(Context.ConnectionId, group);

    public Task Leave(string group) => Groups.RemoveFromGroupAsync(Context.ConnectionId, group);

    /// <summary>Sends "Got"(tag) through one form of <c>Clients</c>, then a "marker" to all.</summary>
    public async Task Route(string how, string tag, string[] args)
    {
        var target = how switch
        {
            "All" => Clients.All,
            "Caller" => Clients.Caller,
            "Others" => Clients.Others,
            "Client" => Clients.Client(args[0]),
            "Clients(list)" => Clients.Clients(args.ToList()),
            "Clients(a,b)" => Clients.Clients(args[0], args[1]),
            "Clients(a,b,c)" => Clients.Clients(args[0], args[1], args[2]),
            "AllExcept(id)" => Clients.AllExcept(args[0]),
            "AllExcept(a,b)" => Clients.AllExcept(args[0], args[1]),
            "AllExcept(list)" => Clients.AllExcept(args.ToList()),
            "AllExcept(set)" => Clients.AllExcept(new HashSet<string>(args)),
            "Group" => Clients.Group(args[0]),
            "Groups(a,b)" => Clients.Groups(args[0], args[1]),
            "Groups(list)" => Clients.Groups(args.ToList()),
            "Groups(set)" => Clients.Groups(new HashSet<string>(args)),
            "GroupExcept(g,id)" => Clients.GroupExcept(args[0], args[1]),
            "GroupExcept(g,list)" => Clients.GroupExcept(args[0], args.Skip(1).ToList()),
            "OthersInGroup" => Clients.OthersInGroup(args[0]),
            "User" => Clients.User(args[0]),
            "Users(a,b)" => Clients.Users(args[0], args[1]),
            "Users(list)" => Clients.Users(args.ToList()),
            "Users(set)" => Clients.Users(new HashSet<string>(args)),
            _ => throw new HubException($"unknown target {how}"),
        };
        await target.SendAsync("Got", tag);
        await Clients.All.SendAsync("Got", "marker");
    }

    /// <summary>The same through <c>IHubContext</c> in a background service.</summary>
    public Task RouteFromService(string how, string tag, string[] args) => _ticks.RequestAsync(new TickRequest(how, tag, args));
}

public interface IChatClient
{
    Task Receive(string user, string message);

    Task<string> GetName();
}

public class TypedHub : Hub<IChatClient>
{
    /// <summary>A first round trip: the connection is registered for sends to all once it returns.</summary>
    public string Ready() => "ready";

    public async Task<string> WhoAmI()
    {
        var name = await Clients.Caller.GetName();
        await Clients.All.Receive("server", $"{name} is here");
        return name;
    }

    [HubMethodName("typed-send")]
    public async Task Send(string message)
    {
        await Clients.Others.Receive(Context.UserIdentifier ?? "anonymous", message);
        await Clients.Caller.Receive("me", message);
    }

    public async Task JoinTyped(string group)
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, group);
        await Clients.Group(group).Receive("group", $"{Context.UserIdentifier} joined {group}");
    }
}

public class DynamicChatHub : DynamicHub
{
    /// <summary>A first round trip: the connection is registered for sends to all once it returns.</summary>
    public string Ready() => "ready";

    public Task Send(string message) => Clients.All.Receive("dynamic", message);

    public Task ToCaller(string message) => Clients.Caller.Receive("caller", message);

    public Task ToOthers(string message) => Clients.Others.Receive("others", message);
}
