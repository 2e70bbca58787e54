using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features;
using SignalRLite.Protocol;

namespace SignalRLite;

/// <summary>
/// One hub connection after its handshake: what lifetime managers and user-id providers see.
/// Writes are serialised: concurrent <c>WriteAsync</c> calls never interleave their bytes.
/// </summary>
public class HubConnectionContext
{
    // SKELETON: the hub runtime owns the implementation.

    /// <summary>The connection id.</summary>
    public virtual string ConnectionId => throw new NotImplementedException();

    /// <summary>The authenticated user.</summary>
    public virtual ClaimsPrincipal User => throw new NotImplementedException();

    /// <summary>The user id given by <see cref="IUserIdProvider"/>.</summary>
    public string? UserIdentifier { get; set; }

    /// <summary>The connection's features.</summary>
    public virtual IFeatureCollection Features => throw new NotImplementedException();

    /// <summary>Per-connection state.</summary>
    public virtual IDictionary<object, object?> Items => throw new NotImplementedException();

    /// <summary>Cancelled when the connection ends.</summary>
    public virtual CancellationToken ConnectionAborted => throw new NotImplementedException();

    /// <summary>The hub protocol chosen in the handshake.</summary>
    public IHubProtocol Protocol { get; set; } = null!;

    /// <summary>Closes the connection.</summary>
    public virtual void Abort() => throw new NotImplementedException();

    /// <summary>Writes one message.</summary>
    public virtual ValueTask WriteAsync(HubMessage message, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Writes one message whose bytes may already be serialised for this connection's protocol.</summary>
    public virtual ValueTask WriteAsync(SerializedHubMessage message, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
