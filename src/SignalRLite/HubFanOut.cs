namespace SignalRLite;

/// <summary>
/// The writes of one send to many connections, with SignalRLite's slow-consumer policy: the extension point for a
/// <see cref="HubLifetimeManager{THub}"/> of its own (a backplane, say), which then treats slow and stalled clients as
/// the built-in managers do. Use it as a local: <see cref="Write"/> to each target, then return <see cref="WhenAll"/>.
/// </summary>
/// <remarks>
/// <para>
/// Every write is started before any is awaited. The send waits for a slow client (its output pipe is full but
/// draining), which paces the sender to its slowest reader, as the official server does. It does not wait for a
/// stalled client (nothing flushed for about a second): that client's message queues instead, and once more than
/// <see cref="HubOptions.MaximumQueuedMessagesPerClient"/> messages wait for it the client is closed as a slow consumer.
/// A client that stalls while the send waits costs that send about a second once; its write stays queued.
/// </para>
/// <para>With <see cref="HubOptions.MaximumQueuedMessagesPerClient"/> set to null, a send waits for every client, stalled or not.</para>
/// <para>A fan-out is not thread-safe; the connections it writes to are (writes to one connection never interleave).</para>
/// </remarks>
public ref struct HubFanOut
{
    private List<Task>? _tasks;
    private bool _unbounded;

    /// <summary>
    /// Starts writing <paramref name="message"/> to <paramref name="connection"/> (serialised once per protocol across
    /// all the connections it is written to). Exceptions of the write itself (a message that cannot be serialised in
    /// the connection's protocol, say) are thrown here; a write cancelled by <paramref name="cancellationToken"/> is
    /// simply not sent.
    /// </summary>
    public void Write(HubConnectionContext connection, SerializedHubMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(message);
        if (connection.WriteFanOut(message, cancellationToken) is not { } write)
        {
            return;
        }

        (_tasks ??= []).Add(write);
        _unbounded |= connection.Options.MaximumQueuedMessages is null;
    }

    /// <summary>What the sender waits for: the writes it must wait for under the policy above (none: a completed task).</summary>
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
            // The writes that stalled meanwhile stay queued on their connections (see the remarks).
        }
    }
}
