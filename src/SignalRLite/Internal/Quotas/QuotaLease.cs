using System.Net;

namespace SignalRLite.Internal.Quotas;

/// <summary>
/// The slots one connection holds in a <see cref="ConnectionQuotaTracker"/>: its user (or none), its client address
/// (or none), and whether it still counts as pending. Created by an admission, released once when the connection is
/// removed from the manager.
/// </summary>
/// <remarks>
/// The key fields are immutable; <see cref="State"/> is read and written only under the owning tracker's lock (the
/// tracker is the only writer), so the lease needs no lock of its own.
/// </remarks>
internal sealed class QuotaLease
{
    public QuotaLease(string? userId, IPAddress? clientAddress, bool pending)
    {
        UserId = userId;
        ClientAddress = clientAddress;
        State = pending ? QuotaLeaseState.Pending : QuotaLeaseState.Active;
    }

    /// <summary>The NameIdentifier of the authenticated user at admission; null for anonymous requests.</summary>
    public string? UserId { get; }

    /// <summary>The client address key (IPv4, or the /64 prefix of an IPv6 address); null when the server knows none.</summary>
    public IPAddress? ClientAddress { get; }

    /// <summary>Guarded by the tracker's lock.</summary>
    internal QuotaLeaseState State { get; set; }
}

internal enum QuotaLeaseState
{
    Pending,
    Active,
    Released,
}
