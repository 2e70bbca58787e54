using SignalRLite.Internal.Transports;

namespace SignalRLite.Tests.Transports;

public class PostQueueTests
{
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
