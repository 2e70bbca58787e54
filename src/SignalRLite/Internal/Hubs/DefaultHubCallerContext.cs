using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features;

namespace SignalRLite.Internal.Hubs;

/// <summary>The hub-facing view of a <see cref="HubConnectionContext"/>.</summary>
/// <remarks>
/// Until the connection's first authentication refresh, <see cref="User"/> is the connection's (which Long Polling
/// requests also update). A refresh pins the current view to the previous user and installs a new view pinned to the
/// new one (HubDispatcher.AuthenticationRefresh.cs): an invocation keeps the view it started with, so its
/// <c>[Authorize]</c> check and its code see one user, and the next invocation sees the new one. The pinned user is a
/// single reference, written once before the connection's user is replaced (Volatile), so no reader sees it change.
/// </remarks>
internal sealed class DefaultHubCallerContext : HubCallerContext
{
    private ClaimsPrincipal? _pinnedUser;

    public DefaultHubCallerContext(HubConnectionContext connection, ClaimsPrincipal? pinnedUser = null)
    {
        Connection = connection;
        _pinnedUser = pinnedUser;
    }

    /// <summary>From now on <see cref="User"/> is <paramref name="user"/>, whatever the connection's user becomes (first pin wins).</summary>
    public void Pin(ClaimsPrincipal user) => Interlocked.CompareExchange(ref _pinnedUser, user, null);

    public HubConnectionContext Connection { get; }

    public override string ConnectionId => Connection.ConnectionId;

    public override string? UserIdentifier => Connection.UserIdentifier;

    public override ClaimsPrincipal? User => Volatile.Read(ref _pinnedUser) ?? Connection.User;

    public override IDictionary<object, object?> Items => Connection.Items;

    public override IFeatureCollection Features => Connection.Features;

    public override CancellationToken ConnectionAborted => Connection.ConnectionAborted;

    public override void Abort() => Connection.Abort();
}
