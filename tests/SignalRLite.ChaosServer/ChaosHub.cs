using SignalRLite;

namespace ChaosServer;

/// <summary>Clients receive <c>Receive(tag, message)</c>; every send goes through the Redis backplane.</summary>
public sealed class ChaosHub : Hub
{
    public string GetId() => Context.ConnectionId;

    /// <summary>A hub method that needs no Redis: answers even while Redis is stopped.</summary>
    public string Ping(string s) => s;

    public Task All(string tag, string message) => Clients.All.SendAsync("Receive", tag, message);

    /// <summary>Which server process holds this connection.</summary>
    public int ServerProcessId() => Environment.ProcessId;

    /// <summary>An invocation that is surely in flight once the caller got <c>Started(id)</c>: it returns id after ms.</summary>
    public async Task<string> Slow(string id, int ms)
    {
        await Clients.Caller.SendAsync("Started", id);
        await Task.Delay(ms);
        return id;
    }
}
