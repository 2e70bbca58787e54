using Microsoft.AspNetCore.Http;

namespace SignalRLite.Http.Connections.Features;

/// <summary>
/// The HTTP request behind a connection: the transport request for WebSockets and Server-Sent Events, a detached copy
/// of the first poll for Long Polling. Read it from a hub with <c>Context.Features.Get&lt;IHttpContextFeature&gt;()</c>
/// or, shorter, <c>Context.GetHttpContext()</c>.
/// </summary>
public interface IHttpContextFeature
{
    /// <summary>The request's context; <see langword="null"/> once the connection no longer has one.</summary>
    HttpContext? HttpContext { get; set; }
}
