namespace SignalRLite.Internal.Hubs;

/// <summary>
/// The writes of one send to many connections that the sender waits for (see <see cref="HubConnectionContext.WriteFanOut"/>).
/// With the slow-consumer limit on, the wait is bounded: a client that stalls while the sender waits costs the sender
/// <see cref="HubConnectionContext.StalledAfter"/> once; its write stays queued.
/// </summary>
internal struct FanOutWrites
{
    private List<Task>? _tasks;
    private bool _unbounded;

    public void Add(HubConnectionContext connection, Task? write)
    {
        if (write is null)
        {
            return;
        }

        (_tasks ??= []).Add(write);
        _unbounded |= connection.Options.MaximumQueuedMessages is null;
    }

    public readonly Task WhenAll()
    {
        if (_tasks is null)
        {
            return Task.CompletedTask;
        }

        var all = _tasks.Count == 1 ? _tasks[0] : Task.WhenAll(_tasks);
        return _unbounded ? all : WaitBoundedAsync(all);
    }

    private static async Task WaitBoundedAsync(Task all)
    {
        try
        {
            await all.WaitAsync(HubConnectionContext.StalledAfter).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }
}
