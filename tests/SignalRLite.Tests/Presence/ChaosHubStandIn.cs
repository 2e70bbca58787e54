// The hub of tests/SignalRLite.ChaosServer under its own full name, so that in-process servers of these tests and a
// chaos server process share one hub's presence (presence is keyed by the hub's full type name).
namespace ChaosServer;

public sealed class ChaosHub : SignalRLite.Hub
{
    public string GetId() => Context.ConnectionId;

    public string Ping(string s) => s;
}
