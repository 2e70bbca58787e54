using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;

namespace SignalRLite.Tests.Hubs;

public record Person(string Name, int Age);

public enum Mood
{
    Calm,
    Happy,
}

public interface IGreeter
{
    string Greet(string name);
}

public sealed class Greeter : IGreeter
{
    public string Greet(string name) => "hello " + name;
}

public sealed class LoudGreeter : IGreeter
{
    public string Greet(string name) => "HELLO " + name.ToUpperInvariant();
}

/// <summary>The hub most runtime tests talk to.</summary>
public class TestHub(HubProbe probe) : Hub
{
    public override Task OnConnectedAsync()
    {
        Interlocked.Increment(ref probe.ConnectedCount);
        probe.Connected.TrySetResult(Context.ConnectionId);
        return Task.CompletedTask;
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        Interlocked.Increment(ref probe.DisconnectedCount);
        probe.Disconnected.TrySetResult(exception);
        return Task.CompletedTask;
    }

    public string Echo(string message) => message;

    public int Add(int a, int b) => a + b;

    public void Void()
    {
    }

    public Task VoidAsync() => Task.CompletedTask;

    public string? Null() => null;

    public async Task<int> AddAsync(int a, int b)
    {
        await Task.Yield();
        return a + b;
    }

    public async ValueTask<string> ValueTaskEcho(string s)
    {
        await Task.Yield();
        return s;
    }

    public Person MakePerson(string name, int age) => new(name, age);

    public int[] Reverse(int[] values) => [.. values.Reverse()];

    public int? Nullable(int? value) => value;

    public Mood EchoMood(Mood mood) => mood;

    public void Throw() => throw new InvalidOperationException("secret");

    public void ThrowHub() => throw new HubException("boom");

    public async Task ThrowAsync()
    {
        await Task.Yield();
        throw new ArgumentException("async secret");
    }

    public void SendMessage(string message) => probe.Events.Enqueue("send:" + message);

    [HubMethodName("renamed")]
    public string Original() => "renamed-ok";

    public string Greet(IGreeter greeter, string name) => greeter.Greet(name);

    public string GreetExplicit([Microsoft.AspNetCore.Mvc.FromServices] IGreeter greeter, string name) => greeter.Greet(name);

    public string GreetKeyed([Microsoft.Extensions.DependencyInjection.FromKeyedServices("loud")] IGreeter greeter, string name) => greeter.Greet(name);

    public string Caller() => Context.ConnectionId;

    public async Task<string> Gate(string key)
    {
        probe.Enter(key);
        try
        {
            await probe.Gate(key).WaitAsync();
            return key;
        }
        finally
        {
            probe.Exit(key);
        }
    }

    public async Task<string> WaitForCancel(string key, CancellationToken cancellationToken)
    {
        probe.Enter(key);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return "not cancelled";
        }
        catch (OperationCanceledException)
        {
            return "cancelled";
        }
        finally
        {
            probe.Exit(key);
        }
    }

    public void Abort() => Context.Abort();

    public async IAsyncEnumerable<int> Counter(int count, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < count; i++)
        {
            yield return i;
            await Task.Yield();
        }
    }

    public async IAsyncEnumerable<int> FailingStream()
    {
        yield return 1;
        await Task.Yield();
        yield return 2;
        throw new InvalidOperationException("stream secret");
    }

    public async IAsyncEnumerable<int> Infinite(string key, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        probe.Enter(key);
        try
        {
            var i = 0;
            while (true)
            {
                yield return i++;
                await Task.Delay(10, cancellationToken);
            }
        }
        finally
        {
            probe.Exit(key);
        }
    }

    public ChannelReader<string> ChannelStream(int count)
    {
        var channel = Channel.CreateUnbounded<string>();
        for (var i = 0; i < count; i++)
        {
            channel.Writer.TryWrite("item" + i);
        }

        channel.Writer.Complete();
        return channel.Reader;
    }

    public async Task<int> Sum(ChannelReader<int> source)
    {
        var sum = 0;
        while (await source.WaitToReadAsync())
        {
            while (source.TryRead(out var item))
            {
                sum += item;
            }
        }

        return sum;
    }

    public async Task<int> HoldThenSum(string key, ChannelReader<int> source)
    {
        probe.Enter(key);
        await probe.Gate(key).WaitAsync();
        probe.Exit(key);
        return await Sum(source);
    }

    public async Task HoldThenAbort(string key, ChannelReader<int> source)
    {
        probe.Enter(key);
        await probe.Gate(key).WaitAsync();
        Context.Abort();
        probe.Exit(key);
    }

    /// <summary>The sum, or the exception that ended the stream (also recorded as the <see cref="HubProbe.Started"/> event "ended:key").</summary>
    public async Task<string> SumOrFailure(string key, ChannelReader<int> source)
    {
        try
        {
            return "sum " + await Sum(source);
        }
        catch (Exception ex)
        {
            var text = $"{ex.GetType().Name}: {ex.Message}";
            probe.Events.Enqueue(key + " " + text);
            probe.Started("ended:" + key).TrySetResult();
            return text;
        }
    }

    public async Task<int> SumEnumerable(IAsyncEnumerable<int> source)
    {
        var sum = 0;
        await foreach (var item in source)
        {
            sum += item;
        }

        return sum;
    }

    public async Task<string> AskCaller(string question) =>
        await Clients.Caller.InvokeAsync<string>("Ask", question, CancellationToken.None);

    public Task JoinGroup(string group) => Groups.AddToGroupAsync(Context.ConnectionId, group);

    public Task LeaveGroup(string group) => Groups.RemoveFromGroupAsync(Context.ConnectionId, group);

    public Task ToAll(string m) => Clients.All.SendAsync("Receive", "all", m);

    public Task ToCaller(string m) => Clients.Caller.SendAsync("Receive", "caller", m);

    public Task ToOthers(string m) => Clients.Others.SendAsync("Receive", "others", m);

    public Task ToGroup(string group, string m) => Clients.Group(group).SendAsync("Receive", "group", m);

    public Task ToGroups(string[] groups, string m) => Clients.Groups(groups).SendAsync("Receive", "groups", m);

    public Task ToGroupExcept(string group, string[] except, string m) => Clients.GroupExcept(group, except).SendAsync("Receive", "groupexcept", m);

    public Task ToOthersInGroup(string group, string m) => Clients.OthersInGroup(group).SendAsync("Receive", "othersingroup", m);

    public Task ToClient(string id, string m) => Clients.Client(id).SendAsync("Receive", "client", m);

    public Task ToClients(string[] ids, string m) => Clients.Clients(ids).SendAsync("Receive", "clients", m);

    public Task ToAllExcept(string[] ids, string m) => Clients.AllExcept(ids).SendAsync("Receive", "allexcept", m);

    public Task ToUser(string user, string m) => Clients.User(user).SendAsync("Receive", "user", m);

    public Task ToUsers(string[] users, string m) => Clients.Users(users).SendAsync("Receive", "users", m);

    public string? WhoAmI() => Context.UserIdentifier;

    public string? HttpPath() => Context.GetHttpContext()?.Request.Path.Value;

    public string DescribePerson(Person person) => $"{person.Name}:{person.Age}";

    public string Raw(System.Text.Json.JsonElement element) => element.GetRawText();

    public string TypeOf(object? value) => value?.GetType().Name ?? "null";

    public int CountAll(List<Person> people, Dictionary<string, int> scores) => people.Count + scores.Values.Sum();
}

/// <summary>A hub that requires an authenticated user.</summary>
[Microsoft.AspNetCore.Authorization.Authorize]
public class SecureHub : Hub
{
    public string? WhoAmI() => Context.UserIdentifier;
}

/// <summary>A hub whose connected callback fails.</summary>
public class FailingConnectHub(HubProbe probe) : Hub
{
    public override Task OnConnectedAsync() => throw new InvalidOperationException("connect secret");

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        probe.Disconnected.TrySetResult(exception);
        return Task.CompletedTask;
    }

    public string Echo(string s)
    {
        probe.Events.Enqueue("echo");
        return s;
    }
}

public interface IChatClient
{
    Task Receive(string from, string message);

    [HubMethodName("renamedOnClient")]
    Task Renamed(string message);

    Task<string> Ask(string question);
}

/// <summary>A strongly typed hub.</summary>
public class TypedHub : Hub<IChatClient>
{
    public Task Broadcast(string message) => Clients.All.Receive("typed", message);

    public Task Renamed(string message) => Clients.Caller.Renamed(message);

    public Task<string> AskCaller(string question) => Clients.Caller.Ask(question);
}
