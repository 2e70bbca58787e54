using SignalRLite.Internal.Hubs;
using SignalRLite.Protocol;

namespace SignalRLite.Tests.Hubs;

/// <summary>The client-result tracker shared by the in-memory and the Redis lifetime managers.</summary>
public class ClientResultTrackerTests
{
    [Fact]
    public async Task Only_the_invoked_connection_completes_a_result_and_completing_stops_tracking_it()
    {
        var tracker = new ClientResultTracker("");
        using var pending = tracker.Add<int>("c1", CancellationToken.None);
        Assert.Equal("1", pending.InvocationId);
        Assert.True(tracker.TryGetResultType("1", out var type));
        Assert.Equal(typeof(int), type);

        Assert.False(tracker.TryComplete("c2", CompletionMessage.WithResult("1", 42)));
        Assert.False(pending.Task.IsCompleted);
        Assert.True(tracker.TryComplete("c1", CompletionMessage.WithResult("1", 42)));
        Assert.Equal(42, await pending.Task);
        Assert.False(tracker.TryComplete("c1", CompletionMessage.WithResult("1", 43)));
        Assert.Equal(0, tracker.Count);
    }

    [Fact]
    public async Task A_client_error_faults_with_a_HubException_and_a_wrong_type_with_InvalidDataException()
    {
        var tracker = new ClientResultTracker("r-");
        using var failing = tracker.Add<int>("c", CancellationToken.None);
        using var mistyped = tracker.Add<int>("c", CancellationToken.None);
        Assert.Equal(("r-1", "r-2"), (failing.InvocationId, mistyped.InvocationId));

        tracker.TryComplete("c", CompletionMessage.WithError("r-1", "boom"));
        tracker.TryComplete("c", CompletionMessage.WithResult("r-2", "not a number"));
        Assert.Equal("boom", (await Assert.ThrowsAsync<HubException>(() => failing.Task)).Message);
        await Assert.ThrowsAsync<InvalidDataException>(() => mistyped.Task);
    }

    [Fact]
    public async Task The_servers_token_cancels_with_a_HubException_and_disposing_stops_tracking()
    {
        var tracker = new ClientResultTracker("");
        using var cts = new CancellationTokenSource();
        var pending = tracker.Add<string>("c", cts.Token);
        await cts.CancelAsync();
        Assert.Equal("Invocation canceled by the server.", (await Assert.ThrowsAsync<HubException>(() => pending.Task)).Message);

        // A late Completion does not change the outcome.
        tracker.TryComplete("c", CompletionMessage.WithResult(pending.InvocationId, "late"));
        await Assert.ThrowsAsync<HubException>(() => pending.Task);
        pending.Dispose();
        Assert.Equal(0, tracker.Count);
        Assert.False(tracker.TryGetResultType(pending.InvocationId, out _));
    }

    [Fact]
    public async Task A_disconnect_fails_the_connections_results_only_whether_reported_or_signalled()
    {
        var tracker = new ClientResultTracker("");
        using var closed = new CancellationTokenSource();
        using var reported = tracker.Add<int>("gone", CancellationToken.None);
        using var signalled = tracker.Add<int>("closing", CancellationToken.None);
        signalled.FailWhenClosed(closed.Token);
        using var other = tracker.Add<int>("stays", CancellationToken.None);

        tracker.FailConnection("gone");
        await closed.CancelAsync();

        Assert.Equal("Connection 'gone' disconnected.", (await Assert.ThrowsAsync<IOException>(() => reported.Task)).Message);
        Assert.Equal("Connection 'closing' disconnected.", (await Assert.ThrowsAsync<IOException>(() => signalled.Task)).Message);
        Assert.False(other.Task.IsCompleted);
        Assert.True(tracker.TryComplete("stays", CompletionMessage.WithResult(other.InvocationId, 7)));
        Assert.Equal(7, await other.Task);
    }

    [Fact]
    public async Task Completions_racing_with_disconnects_and_cancellations_give_each_invocation_one_outcome_and_leave_nothing_tracked()
    {
        var tracker = new ClientResultTracker("");
        const int Count = 2_000;
        using var cts = new CancellationTokenSource();
        var invocations = Enumerable.Range(0, Count).Select(i => tracker.Add<int>("c" + (i % 4), cts.Token)).ToArray();
        using var start = new Barrier(3);
        var completions = Task.Run(() =>
        {
            start.SignalAndWait();
            foreach (var p in invocations)
            {
                tracker.TryComplete(p.ConnectionId, CompletionMessage.WithResult(p.InvocationId, 1));
            }
        });
        var disconnects = Task.Run(() =>
        {
            start.SignalAndWait();
            for (var c = 0; c < 4; c++)
            {
                tracker.FailConnection("c" + c);
            }
        });
        var cancel = Task.Run(() =>
        {
            start.SignalAndWait();
            cts.Cancel();
        });
        await Task.WhenAll(completions, disconnects, cancel);

        foreach (var p in invocations)
        {
            // Each ended one way: a result, a disconnect or a cancellation; none is left waiting.
            var outcome = await Record.ExceptionAsync(() => p.Task);
            Assert.True(outcome is null or IOException or HubException, outcome?.ToString());
            p.Dispose();
        }

        Assert.Equal(0, tracker.Count);
    }
}
