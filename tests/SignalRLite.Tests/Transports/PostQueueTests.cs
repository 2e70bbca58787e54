using System.Net;
using SignalRLite.Internal.Transports;
using Xunit.Abstractions;

namespace SignalRLite.Tests.Transports;

public class PostQueueTests(ITestOutputHelper output)
{
    /// <summary>Only SSE and Long Polling send by POST: a connection gets its queue from its first POST, a WebSocket never.</summary>
    [Fact]
    public async Task OnlyAPostCreatesTheQueue_NeverAWebSocket()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost);
        using var client = server.CreateClient();

        var (_, wsToken) = await WebSocketTransportTests.NegotiateAsync(client);
        using var socket = await server.ConnectWebSocketAsync("?id=" + wsToken);
        await socket.SendTextAsync("hello");
        Assert.Equal("hello", await socket.ReceiveTextAsync(5));
        Assert.True(server.Manager.TryGetConnection(wsToken!, out var ws));
        Assert.False(ws.HasPostQueue);

        var lpToken = await LongPollingTransportTests.ConnectAsync(client);
        Assert.True(server.Manager.TryGetConnection(lpToken, out var lp));
        Assert.False(lp.HasPostQueue);
        var post = await client.PostAsync(TransportTestServer.Path + "?id=" + lpToken, new StringContent("x"));
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.True(lp.HasPostQueue);
    }

    /// <summary>What a connection no longer allocates up front (reported; bounded only loosely).</summary>
    [Fact]
    public void FootprintOfOneQueue()
    {
        _ = new PostQueue(); // warm: type loading is not the queue's footprint
        var before = GC.GetAllocatedBytesForCurrentThread();
        var queue = new PostQueue();
        var bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(queue);
        output.WriteLine($"One PostQueue allocates {bytes} B.");
        Assert.InRange(bytes, 1, 1024);
    }

    [Fact]
    public async Task WaitersGoInOneAtATimeInArrivalOrder()
    {
        var queue = new PostQueue();
        Assert.True(await queue.EnterAsync(CancellationToken.None));
        var second = queue.EnterAsync(CancellationToken.None).AsTask();
        var third = queue.EnterAsync(CancellationToken.None).AsTask();
        Assert.Equal(2, queue.Waiting);
        Assert.False(second.IsCompleted);

        queue.Exit();
        Assert.True(await second.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(third.IsCompleted);
        Assert.Equal(1, queue.Waiting);

        queue.Exit();
        Assert.True(await third.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, queue.Waiting);
        queue.Exit();
        Assert.True(await queue.EnterAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ACancelledWaiterLeavesWithoutTakingATurn()
    {
        var queue = new PostQueue();
        Assert.True(await queue.EnterAsync(CancellationToken.None));
        using var cancel = new CancellationTokenSource();
        var cancelled = queue.EnterAsync(cancel.Token).AsTask();
        var next = queue.EnterAsync(CancellationToken.None).AsTask();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(1, queue.Waiting);

        queue.Exit();
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, queue.Waiting);
    }

    [Fact]
    public async Task BeyondMaxWaitingEnterIsRefusedAtOnce()
    {
        var queue = new PostQueue();
        Assert.True(await queue.EnterAsync(CancellationToken.None));
        var waiting = new List<Task<bool>>();
        for (var i = 0; i < PostQueue.MaxWaiting; i++)
        {
            waiting.Add(queue.EnterAsync(CancellationToken.None).AsTask());
        }

        var refused = queue.EnterAsync(CancellationToken.None);
        Assert.True(refused.IsCompleted);
        Assert.False(await refused);
        Assert.Equal(PostQueue.MaxWaiting, queue.Waiting);

        foreach (var turn in waiting)
        {
            queue.Exit();
            Assert.True(await turn.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        queue.Exit();
        Assert.Equal(0, queue.Waiting);
    }
}
