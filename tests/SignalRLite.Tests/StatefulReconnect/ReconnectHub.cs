using System.Collections.Concurrent;
using SignalRLite.Internal.Hubs;

namespace SignalRLite.Tests.StatefulReconnect;

/// <summary>What the server saw, per test host (registered as a singleton).</summary>
public sealed class ReconnectState
{
    private readonly Lock _lock = new();
    private readonly List<int> _received = [];
    private (int Count, TaskCompletionSource Done)? _receiveWaiter;

    public int Connected;
    public int Disconnected;
    public Exception? DisconnectError;
    public readonly TaskCompletionSource DisconnectedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public readonly ConcurrentDictionary<string, HubConnectionContext> Connections = new();
    public volatile int Sent;

    /// <summary>Opened by a test to let <see cref="ReconnectHub.PausingCounter"/> go on past its pause.</summary>
    public readonly TaskCompletionSource StreamGate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int[] Received
    {
        get
        {
            lock (_lock)
            {
                return [.. _received];
            }
        }
    }

    public void Receive(int value)
    {
        lock (_lock)
        {
            _received.Add(value);
            if (_receiveWaiter is { } w && _received.Count >= w.Count)
            {
                w.Done.TrySetResult();
            }
        }
    }

    public Task WaitForReceivedAsync(int count, TimeSpan timeout)
    {
        lock (_lock)
        {
            if (_received.Count >= count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _receiveWaiter = (count, done);
            return done.Task.WaitAsync(timeout);
        }
    }
}

public sealed class ReconnectHub(ReconnectState state) : Hub
{
    public override Task OnConnectedAsync()
    {
        Interlocked.Increment(ref state.Connected);
        state.Connections[Context.ConnectionId] = ((DefaultHubCallerContext)Context).Connection;
        Context.Items["created"] = Context.ConnectionId;
        return Task.CompletedTask;
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        state.DisconnectError = exception;
        Interlocked.Increment(ref state.Disconnected);
        state.DisconnectedSignal.TrySetResult();
        return Task.CompletedTask;
    }

    public string GetConnectionId() => Context.ConnectionId;

    public string? GetItem() => Context.Items.TryGetValue("created", out var v) ? (string?)v : null;

    public string? GetUser() => Context.UserIdentifier;

    public async Task SendNumbers(int count, int padding)
    {
        var pad = new string('x', padding);
        for (var i = 1; i <= count; i++)
        {
            await Clients.Caller.SendAsync("Number", i, pad);
            state.Sent = i;
        }
    }

    public void Receive(int value) => state.Receive(value);

    public Task Join(string group) => Groups.AddToGroupAsync(Context.ConnectionId, group);

    public Task SendToGroup(string group, int value) => Clients.Group(group).SendAsync("Number", value, "");

    /// <summary>Counts to <paramref name="count"/>, waiting for the test's gate after <paramref name="pauseAfter"/> items.</summary>
    public async IAsyncEnumerable<int> PausingCounter(int count, int pauseAfter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var i = 1; i <= count; i++)
        {
            if (i == pauseAfter + 1)
            {
                await state.StreamGate.Task.WaitAsync(cancellationToken);
            }

            yield return i;
            await Task.Yield();
        }
    }

    public async IAsyncEnumerable<int> Counter(int count, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var i = 1; i <= count; i++)
        {
            yield return i;
            await Task.Yield();
        }
    }
}
