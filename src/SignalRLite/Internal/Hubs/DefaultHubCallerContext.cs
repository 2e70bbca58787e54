using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features;

namespace SignalRLite.Internal.Hubs;

/// <summary>The hub-facing view of a <see cref="HubConnectionContext"/>.</summary>
internal sealed class DefaultHubCallerContext : HubCallerContext
{
    public DefaultHubCallerContext(HubConnectionContext connection)
    {
        Connection = connection;
    }

    public HubConnectionContext Connection { get; }

    public override string ConnectionId => Connection.ConnectionId;

    public override string? UserIdentifier => Connection.UserIdentifier;

    public override ClaimsPrincipal? User => Connection.User;

    public override IDictionary<object, object?> Items => Connection.Items;

    public override IFeatureCollection Features => Connection.Features;

    public override CancellationToken ConnectionAborted => Connection.ConnectionAborted;

    public override void Abort() => Connection.Abort();
}
