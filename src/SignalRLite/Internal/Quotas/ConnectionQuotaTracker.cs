using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using SignalRLite.Http.Connections;

namespace SignalRLite.Internal.Quotas;

/// <summary>
/// Counts the connections of each user and client address, and the pending ones (negotiated, no transport yet), and
/// admits a new connection only while every configured limit has room (<see cref="ConnectionQuotaOptions"/>).
/// Created by the connection manager only when at least one limit is set: without quotas nothing is counted.
/// </summary>
/// <remarks>
/// <para>Concurrency: one lock, <see cref="_lock"/>, guards every count and every lease's <see cref="QuotaLease.State"/>.
/// Nothing is called out of the lock, so it nests inside no other lock's ordering. An admission checks all limits and
/// takes all its slots in one step, so two racing requests can never both take the last slot.</para>
/// <para>Invariants (under the lock; checked by <see cref="AssertInvariants"/> after each change):</para>
/// <list type="number">
/// <item>Every entry of <see cref="_perUser"/> and <see cref="_perAddress"/> has a total above zero: an entry is removed
/// when its last connection goes, so memory is bounded by the live connections, not by every address ever seen.</item>
/// <item>For each address, 0 &lt;= pending &lt;= total.</item>
/// <item>0 &lt;= <see cref="_pending"/> &lt;= <see cref="_live"/>; the sums of the per-user totals and of the per-address
/// totals are each at most <see cref="_live"/>, and the per-address pending counts sum to at most <see cref="_pending"/>.</item>
/// <item>A lease moves Pending → Active → Released or Pending/Active → Released, once: a release gives back exactly the
/// slots the admission took (an Activate or Release of a released lease is a no-op).</item>
/// </list>
/// </remarks>
internal sealed class ConnectionQuotaTracker
{
    private readonly Lock _lock = new();
    private readonly int _maxPerUser;
    private readonly int _maxPerAddress;
    private readonly int _maxPendingPerAddress;
    private readonly int _maxPending;

    // Guarded by _lock.
    private readonly Dictionary<string, int> _perUser = new(StringComparer.Ordinal);
    private readonly Dictionary<IPAddress, AddressCount> _perAddress = new();
    private int _live;
    private int _pending;

    public ConnectionQuotaTracker(ConnectionQuotaOptions options)
    {
        _maxPerUser = options.MaxConnectionsPerUser ?? int.MaxValue;
        _maxPerAddress = options.MaxConnectionsPerClientIp ?? int.MaxValue;
        _maxPendingPerAddress = options.MaxPendingConnectionsPerClientIp ?? int.MaxValue;
        _maxPending = options.MaxPendingConnections ?? int.MaxValue;
    }

    /// <summary>Whether <paramref name="options"/> sets any limit (else no tracker is needed).</summary>
    public static bool IsEnabled(ConnectionQuotaOptions options) =>
        options.MaxConnectionsPerUser is not null
        || options.MaxConnectionsPerClientIp is not null
        || options.MaxPendingConnectionsPerClientIp is not null
        || options.MaxPendingConnections is not null;

    /// <summary>
    /// Takes a slot for a new connection of <paramref name="userId"/> from <paramref name="clientAddress"/> (either may be
    /// null: not counted on that key), as pending (negotiate) or directly active (a WebSocket without negotiation).
    /// </summary>
    public QuotaRefusal TryAdmit(string? userId, IPAddress? clientAddress, bool pending, out QuotaLease? lease)
    {
        lease = null;
        var address = clientAddress is null ? null : ToKey(clientAddress);
        lock (_lock)
        {
            var userCount = 0;
            if (userId is not null)
            {
                _perUser.TryGetValue(userId, out userCount);
            }

            var addressCount = default(AddressCount);
            if (address is not null)
            {
                _perAddress.TryGetValue(address, out addressCount);
            }

            var refusal =
                userId is not null && userCount >= _maxPerUser ? QuotaRefusal.User
                : address is not null && addressCount.Total >= _maxPerAddress ? QuotaRefusal.ClientIp
                : pending && address is not null && addressCount.Pending >= _maxPendingPerAddress ? QuotaRefusal.PendingClientIp
                : pending && _pending >= _maxPending ? QuotaRefusal.Pending
                : QuotaRefusal.None;
            if (refusal != QuotaRefusal.None)
            {
                return refusal;
            }

            if (userId is not null)
            {
                _perUser[userId] = userCount + 1;
            }

            if (address is not null)
            {
                ref var count = ref CollectionsMarshal.GetValueRefOrAddDefault(_perAddress, address, out _);
                count.Total++;
                if (pending)
                {
                    count.Pending++;
                }
            }

            _live++;
            if (pending)
            {
                _pending++;
            }

            lease = new QuotaLease(userId, address, pending);
            AssertInvariants();
            return QuotaRefusal.None;
        }
    }

    /// <summary>The connection's first transport attached: it stops counting as pending. Idempotent.</summary>
    public void Activate(QuotaLease lease)
    {
        lock (_lock)
        {
            if (lease.State != QuotaLeaseState.Pending)
            {
                return;
            }

            lease.State = QuotaLeaseState.Active;
            LeavePending(lease);
            AssertInvariants();
        }
    }

    /// <summary>The connection was removed: gives back every slot the lease holds. Idempotent.</summary>
    public void Release(QuotaLease lease)
    {
        lock (_lock)
        {
            if (lease.State == QuotaLeaseState.Released)
            {
                return;
            }

            if (lease.State == QuotaLeaseState.Pending)
            {
                LeavePending(lease);
            }

            lease.State = QuotaLeaseState.Released;
            _live--;
            if (lease.UserId is { } user)
            {
                ref var count = ref CollectionsMarshal.GetValueRefOrNullRef(_perUser, user);
                Debug.Assert(!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref count), "an admitted user has an entry");
                if (--count == 0)
                {
                    _perUser.Remove(user);
                }
            }

            if (lease.ClientAddress is { } address)
            {
                ref var count = ref CollectionsMarshal.GetValueRefOrNullRef(_perAddress, address);
                Debug.Assert(!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref count), "an admitted address has an entry");
                if (--count.Total == 0)
                {
                    _perAddress.Remove(address);
                }
            }

            AssertInvariants();
        }
    }

    /// <summary>Counts at this instant (tests, diagnostics): live and pending connections, users and addresses tracked.</summary>
    public (int Live, int Pending, int Users, int Addresses) Snapshot()
    {
        lock (_lock)
        {
            return (_live, _pending, _perUser.Count, _perAddress.Count);
        }
    }

    /// <summary>
    /// The key an address counts under: IPv4 (also when mapped into IPv6) as is; IPv6 by its /64 prefix, the block one
    /// subscriber usually gets, so that one client cannot take a fresh address per connection.
    /// </summary>
    internal static IPAddress ToKey(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }

    private void LeavePending(QuotaLease lease)
    {
        _pending--;
        if (lease.ClientAddress is { } address)
        {
            ref var count = ref CollectionsMarshal.GetValueRefOrNullRef(_perAddress, address);
            Debug.Assert(!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref count), "an admitted address has an entry");
            count.Pending--;
        }
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread, "The invariants hold under the lock.");
        long userSum = 0, addressSum = 0, addressPending = 0;
        foreach (var (_, count) in _perUser)
        {
            Debug.Assert(count > 0, "1: no empty user entry.");
            userSum += count;
        }

        foreach (var (_, count) in _perAddress)
        {
            Debug.Assert(count.Total > 0, "1: no empty address entry.");
            Debug.Assert(count.Pending >= 0 && count.Pending <= count.Total, "2: 0 <= pending <= total per address.");
            addressSum += count.Total;
            addressPending += count.Pending;
        }

        Debug.Assert(_pending >= 0 && _pending <= _live, "3: 0 <= pending <= live.");
        Debug.Assert(userSum <= _live && addressSum <= _live && addressPending <= _pending, "3: per-key sums within the totals.");
    }

    private struct AddressCount
    {
        public int Total;
        public int Pending;
    }
}
