namespace TestServer.Hubs;

/// <summary>Mapped at /reconnecthub with AllowStatefulReconnects (tests/js/test/statefulreconnect.test.js).</summary>
public sealed class StatefulReconnectHub : Hub
{
    public string GetConnectionId() => Context.ConnectionId;

    /// <summary>Sends Number(from) .. Number(from + count - 1) to the caller, then completes.</summary>
    public async Task SendNumbers(int from, int count)
    {
        for (var i = from; i < from + count; i++)
        {
            await Clients.Caller.SendAsync("Number", i);
        }
    }

    /// <summary>Records a number sent by the client (kept in Context.Items, which a reattach keeps).</summary>
    public void Receive(int value)
    {
        var list = (List<int>)(Context.Items["received"] ??= new List<int>());
        lock (list)
        {
            list.Add(value);
        }
    }

    public int[] GetReceived()
    {
        var list = (List<int>?)Context.Items["received"] ?? [];
        lock (list)
        {
            return [.. list];
        }
    }
}
