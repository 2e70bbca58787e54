using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features;

namespace SignalRLite;

/// <summary>The calling connection, as seen from a hub method.</summary>
public abstract class HubCallerContext
{
    /// <summary>The connection id.</summary>
    public abstract string ConnectionId { get; }

    /// <summary>The user id given by <see cref="IUserIdProvider"/>.</summary>
    public abstract string? UserIdentifier { get; }

    /// <summary>The authenticated user.</summary>
    public abstract ClaimsPrincipal? User { get; }

    /// <summary>Per-connection state that lives as long as the connection.</summary>
    public abstract IDictionary<object, object?> Items { get; }

    /// <summary>The connection's features.</summary>
    public abstract IFeatureCollection Features { get; }

    /// <summary>Cancelled when the connection ends.</summary>
    public abstract CancellationToken ConnectionAborted { get; }

    /// <summary>Closes the connection.</summary>
    public abstract void Abort();
}
