using Microsoft.AspNetCore.Http;
using SignalRLite.Internal.Transports;
using SignalRLite.Http.Connections.Features;

namespace SignalRLite;

/// <summary>The HTTP request behind a hub connection.</summary>
public static class GetHttpContextExtensions
{
    /// <summary>The <see cref="HttpContext"/> of the request that carries the connection, or null (for example in tests without HTTP).</summary>
    public static HttpContext? GetHttpContext(this HubCallerContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection.Features.Get<IHttpContextFeature>()?.HttpContext;
    }

    /// <summary>The <see cref="HttpContext"/> of the request that carries the connection, or null (for example in tests without HTTP).</summary>
    public static HttpContext? GetHttpContext(this HubConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection.Features.Get<IHttpContextFeature>()?.HttpContext;
    }
}
