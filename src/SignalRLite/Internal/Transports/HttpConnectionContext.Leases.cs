using SignalRLite.Http.Connections;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// Which request may use which transport-side pipe end: the output reader (a WebSocket, an SSE stream or one poll) and
/// the input writer (a WebSocket or one POST). Each end is held through a <see cref="TransportLease"/>, taken and
/// released under the lock, so a handover between two requests is ordered by the lock.
/// </summary>
internal sealed partial class HttpConnectionContext
{
    /// <summary>A Long Polling request currently holds the output reader.</summary>
    public bool HasPendingPoll
    {
        get
        {
            lock (_lock)
            {
                return _transportType == HttpTransportType.LongPolling && _readerLease is not null;
            }
        }
    }

    /// <summary>A POST currently holds the input writer.</summary>
    public bool HasPendingPost
    {
        get
        {
            lock (_lock)
            {
                return _transportType != HttpTransportType.WebSockets && _writerLease is not null;
            }
        }
    }

    /// <summary>
    /// Serialises the POSTs of this connection (the only way to the input writer for SSE and Long Polling). Created by
    /// the first POST: a WebSocket connection never needs one.
    /// </summary>
    public PostQueue Posts => Volatile.Read(ref _posts) ?? Interlocked.CompareExchange(ref _posts, new PostQueue(), null) ?? _posts!;

    /// <summary>Whether the queue exists yet (for tests and diagnostics: reading <see cref="Posts"/> would create it).</summary>
    internal bool HasPostQueue => Volatile.Read(ref _posts) is not null;

    /// <summary>WebSockets and SSE: one long request owns the output reader (and, for WebSockets, the input writer) for the connection's life.</summary>
    public AttachStatus TryAttachStream(HttpTransportType type, out TransportLease? lease)
    {
        lease = null;
        lock (_lock)
        {
            if (_closeTask is not null)
            {
                return AttachStatus.Closed;
            }

            if (_transportType != HttpTransportType.None && _transportType != type)
            {
                return AttachStatus.TransportMismatch;
            }

            if (_readerLease is not null || (type == HttpTransportType.WebSockets && _writerLease is not null))
            {
                return AttachStatus.Busy;
            }

            if (_transportType == type)
            {
                // The stream this connection was bound to has ended; only stateful reconnect may attach a new one.
                if (type != HttpTransportType.WebSockets || _reconnect is not { Callback: not null, Disabled: false } || _inputCompleted)
                {
                    return AttachStatus.Closed;
                }

                lease = new TransportLease();
                _readerLease = _writerLease = lease;
                AssertInvariants();
                return AttachStatus.Reattached;
            }

            _transportType = type;
            if (type == HttpTransportType.ServerSentEvents)
            {
                _supportedFormats = Microsoft.AspNetCore.Connections.TransferFormat.Text;
            }

            lease = new TransportLease();
            _readerLease = lease;
            if (type == HttpTransportType.WebSockets)
            {
                _writerLease = lease;
            }

            AssertInvariants();
            return AttachStatus.Attached;
        }
    }

    /// <summary>Long Polling: takes the output reader, ending an older poll (it answers 204) if one holds it.</summary>
    public async ValueTask<AttachStatus> AttachPollAsync(TransportLease lease)
    {
        var waited = false;
        while (true)
        {
            TransportLease? previous;
            lock (_lock)
            {
                if (_closeTask is not null)
                {
                    return waited ? AttachStatus.ClosedWhileWaiting : AttachStatus.Closed;
                }

                if (_transportType != HttpTransportType.None && _transportType != HttpTransportType.LongPolling)
                {
                    return AttachStatus.TransportMismatch;
                }

                previous = _readerLease;
                if (previous is null)
                {
                    _transportType = HttpTransportType.LongPolling;
                    _readerLease = lease;
                    AssertInvariants();
                    return AttachStatus.Attached;
                }

                // Set before the cancellation below, which is what the older poll observes.
                previous.Superseded = true;
            }

            // Outside the lock: cancelling runs the older poll's callbacks inline.
            try
            {
                previous.Cancellation?.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The older poll already finished and disposed its source; it is releasing the lease.
            }

            waited = true;
            await previous.Released.ConfigureAwait(false);
        }
    }

    /// <summary>Lets go of the output reader (and of the input writer, for a WebSocket lease).</summary>
    public void ReleaseReader(TransportLease lease)
    {
        lock (_lock)
        {
            if (_readerLease == lease)
            {
                _readerLease = null;
            }

            if (_writerLease == lease)
            {
                _writerLease = null;
            }

            _lastSeen = _time.GetTimestamp();
            AssertInvariants();
        }

        lease.Release();
    }

    /// <summary>The HTTP POST send channel: one POST at a time writes client bytes into the input pipe.</summary>
    public AttachStatus TryAttachWriter(out TransportLease? lease)
    {
        lease = null;
        lock (_lock)
        {
            if (_closeTask is not null || _inputCompleted)
            {
                return AttachStatus.Closed;
            }

            if (_transportType == HttpTransportType.WebSockets)
            {
                return AttachStatus.TransportMismatch;
            }

            if (_writerLease is not null)
            {
                return AttachStatus.Busy;
            }

            lease = new TransportLease();
            _writerLease = lease;
            AssertInvariants();
            return AttachStatus.Attached;
        }
    }

    public void ReleaseWriter(TransportLease lease)
    {
        lock (_lock)
        {
            if (_writerLease == lease)
            {
                _writerLease = null;
            }

            AssertInvariants();
        }

        lease.Release();
    }
}
