namespace SignalRLite.Internal.Hubs;

/// <summary>
/// Stateful reconnect state of one hub connection (HubProtocol.md, "Ack" and "Sequence"): the trackable messages sent and not yet
/// acknowledged, kept for replay after a reattach, and the count of trackable messages received.
/// </summary>
/// <remarks>
/// The buffer holds the very bytes that were written (the cached serialisation of a <c>SerializedHubMessage</c>, or the
/// array the protocol produced for a single message): nothing is copied or serialised again. An Ack drops the
/// references. Sending side: called by the owner of the connection's output (<see cref="HubConnectionWriter"/>), plus <see cref="_lock"/> because Acks arrive on
/// the read loop. Receiving side: only the read loop calls <see cref="ShouldProcess"/> and <see cref="OnSequence"/>.
/// </remarks>
internal sealed class ReplayBuffer
{
    private readonly Lock _lock = new();
    private readonly Queue<(ReadOnlyMemory<byte> Bytes, long Id)> _messages = new();
    private readonly long _limit;
    private long _bufferedBytes;
    private long _sent;
    private bool _cleared;
    private TaskCompletionSource? _spaceWaiter;

    private long _received;
    private long _nextIncoming = 1;
    private long _lastAckSent;

    public ReplayBuffer(long limit)
    {
        _limit = limit;
    }

    /// <summary>The counters, for diagnostics (a test that times out prints them).</summary>
    public override string ToString()
    {
        lock (_lock)
        {
            return $"sent={_sent} buffered={_messages.Count} ({_bufferedBytes} B, first {(_messages.TryPeek(out var head) ? head.Id : 0)}) " +
                   $"received={Volatile.Read(ref _received)} nextIncoming={_nextIncoming} lastAckSent={Volatile.Read(ref _lastAckSent)} waiting={_spaceWaiter is not null}";
        }
    }

    /// <summary>Bytes of sent messages not yet acknowledged.</summary>
    public long BufferedBytes => Volatile.Read(ref _bufferedBytes);

    public int BufferedMessages
    {
        get
        {
            lock (_lock)
            {
                return _messages.Count;
            }
        }
    }

    /// <summary>Numbers and keeps a message about to be sent; false when it does not fit (the sender waits for an Ack).</summary>
    /// <remarks>A message larger than the whole buffer is accepted once the buffer is empty.</remarks>
    public bool TryAdd(ReadOnlyMemory<byte> bytes)
    {
        lock (_lock)
        {
            if (_cleared)
            {
                return true;
            }

            if (_messages.Count > 0 && _bufferedBytes + bytes.Length > _limit)
            {
                return false;
            }

            _messages.Enqueue((bytes, ++_sent));
            Volatile.Write(ref _bufferedBytes, _bufferedBytes + bytes.Length);
            return true;
        }
    }

    /// <summary>Completes when a message of <paramref name="length"/> bytes may fit (after an Ack) or the buffer was cleared.</summary>
    public Task WaitForSpaceAsync(int length)
    {
        lock (_lock)
        {
            if (_cleared || _messages.Count == 0 || _bufferedBytes + length <= _limit)
            {
                return Task.CompletedTask;
            }

            _spaceWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _spaceWaiter.Task;
        }
    }

    /// <summary>Drops every message numbered up to <paramref name="sequenceId"/>; false for an Ack of messages never sent.</summary>
    public bool Ack(long sequenceId)
    {
        TaskCompletionSource? waiter = null;
        lock (_lock)
        {
            if (sequenceId > _sent)
            {
                return false;
            }

            while (_messages.TryPeek(out var head) && head.Id <= sequenceId)
            {
                _messages.Dequeue();
                _bufferedBytes -= head.Bytes.Length;
            }

            Volatile.Write(ref _bufferedBytes, _bufferedBytes);
            (waiter, _spaceWaiter) = (_spaceWaiter, null);
        }

        waiter?.TrySetResult();
        return true;
    }

    /// <summary>What to send on a new transport: the Sequence value (the number of the first message that follows) and the messages.</summary>
    public long GetReplay(out ReadOnlyMemory<byte>[] messages)
    {
        lock (_lock)
        {
            messages = new ReadOnlyMemory<byte>[_messages.Count];
            var i = 0;
            foreach (var (bytes, _) in _messages)
            {
                messages[i++] = bytes;
            }

            return _messages.TryPeek(out var head) ? head.Id : _sent + 1;
        }
    }

    /// <summary>Frees everything when the connection ends; later sends are not kept and waiting senders resume.</summary>
    public void Clear()
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            _cleared = true;
            _messages.Clear();
            Volatile.Write(ref _bufferedBytes, 0);
            (waiter, _spaceWaiter) = (_spaceWaiter, null);
        }

        waiter?.TrySetResult();
    }

    /// <summary>Numbers a trackable message received; false for a duplicate that the client replayed.</summary>
    public bool ShouldProcess()
    {
        var id = _nextIncoming++;
        if (id <= _received)
        {
            return false;
        }

        Volatile.Write(ref _received, id);
        return true;
    }

    /// <summary>The client's Sequence after a reattach: the next trackable message it sends is numbered <paramref name="sequenceId"/>.</summary>
    public void OnSequence(long sequenceId)
    {
        if (sequenceId > _received + 1 || sequenceId < 1)
        {
            throw new InvalidDataException($"Sequence ID {sequenceId} is past the next expected message {_received + 1}: messages were lost.");
        }

        _nextIncoming = sequenceId;
    }

    /// <summary>The Ack to send, if trackable messages arrived since the last one.</summary>
    public bool TryGetPendingAck(out long sequenceId)
    {
        sequenceId = Volatile.Read(ref _received);
        return sequenceId > Volatile.Read(ref _lastAckSent);
    }

    public void AckSent(long sequenceId) => Volatile.Write(ref _lastAckSent, sequenceId);

    /// <summary>Acks sent on the lost transport may not have arrived: send the current one again.</summary>
    public void ResendAck() => Volatile.Write(ref _lastAckSent, 0);
}
