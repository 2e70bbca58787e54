using System.Diagnostics;
using System.Threading.RateLimiting;
using SignalRLite.Protocol;

namespace SignalRLite.Internal.RateLimiting;

/// <summary>
/// The rate limit leases a connection's running invocations hold (concurrency and custom policies), each released when
/// its invocation ends (HubDispatcher EndInvocation) or, for invocations that never ran (dropped from the queue when
/// the connection ended), when the connection ends.
/// </summary>
/// <remarks>
/// <para>Created by the read loop on the first held lease; the read loop adds, the threads ending invocations remove,
/// and the end of the connection releases the rest. One lock (<see cref="_gate"/>).</para>
/// <para>Invariants:</para>
/// <list type="number">
/// <item>A lease is disposed exactly once: it leaves <see cref="_held"/> under the lock before it is disposed, and a lease
/// added after <see cref="ReleaseAll"/> is disposed at once (never stored).</item>
/// <item>Keys are the invocation's message object by reference: an invocation releases its leases before its message
/// object may be reused (pooled) for a later one.</item>
/// </list>
/// </remarks>
internal sealed class HubRateLimitLeases
{
    private readonly object _gate = new();
    private readonly Dictionary<HubMethodInvocationMessage, List<RateLimitLease>> _held = new(ReferenceEqualityComparer.Instance);
    private bool _closed;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _held.Count;
            }
        }
    }

    /// <summary>Keeps <paramref name="leases"/> until <see cref="Release"/> of <paramref name="message"/>.</summary>
    public void Hold(HubMethodInvocationMessage message, List<RateLimitLease> leases)
    {
        lock (_gate)
        {
            AssertInvariants();
            if (!_closed && _held.TryAdd(message, leases))
            {
                return;
            }
        }

        // Closed (the connection ended meanwhile), or the message object is already held (cannot happen: one
        // invocation per message object at a time): nothing would release them later.
        Dispose(leases);
    }

    /// <summary>Releases the leases of the invocation of <paramref name="message"/>, if it holds any.</summary>
    public void Release(HubMethodInvocationMessage message)
    {
        List<RateLimitLease>? leases;
        lock (_gate)
        {
            AssertInvariants();
            _held.Remove(message, out leases);
        }

        // Outside the lock: releasing a permit may complete a waiting acquisition.
        if (leases is not null)
        {
            Dispose(leases);
        }
    }

    /// <summary>The connection ended: releases every lease still held; later ones are released at once.</summary>
    /// <remarks>
    /// Invocations still winding down (they see ConnectionAborted) no longer count against their concurrency limits
    /// from here on; invocations dropped from the queue never end, so waiting for the running ones is not possible.
    /// </remarks>
    public void ReleaseAll()
    {
        List<List<RateLimitLease>> all;
        lock (_gate)
        {
            _closed = true;
            all = [.. _held.Values];
            _held.Clear();
            AssertInvariants();
        }

        foreach (var leases in all)
        {
            Dispose(leases);
        }
    }

    public static void Dispose(List<RateLimitLease> leases)
    {
        foreach (var lease in leases)
        {
            try
            {
                lease.Dispose();
            }
            catch (ObjectDisposedException)
            {
                // The limiter was disposed with the app.
            }
        }
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        Debug.Assert(!_closed || _held.Count == 0);
    }
}
