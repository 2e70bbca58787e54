using Microsoft.AspNetCore.Http;

namespace SignalRLite.Internal.Transports;

/// <summary>The HTTP request behind a connection: the transport request for WebSockets and SSE, a detached copy of the first poll for Long Polling.</summary>
internal interface IHttpContextFeature
{
    HttpContext? HttpContext { get; set; }
}
