using SignalRLite;

namespace ChaosServer;

/// <summary>Clients receive <c>Receive(tag, message)</c>; every send goes through the Redis backplane.</summary>
public sealed class ChaosHub : Hub
{
    public string GetId() => Context.ConnectionId;

    /// <summary>A hub method that needs no Redis: answers even while Redis is stopped.</summary>
    public string Ping(string s) => s;

    public Task All(string tag, string message) => Clients.All.SendAsync("Receive", tag, message);
}
