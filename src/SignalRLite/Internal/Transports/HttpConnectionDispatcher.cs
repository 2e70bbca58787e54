using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebSockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using SignalRLite.Http.Connections;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// Serves negotiate and the three transports of one or more endpoints (TransportProtocols.md) and runs the endpoint's
/// <see cref="ConnectionDelegate"/> once per logical connection when its transport first attaches.
/// </summary>
/// <remarks>
/// This file routes a request to its handler and holds the shared lookups and refusals (whose bytes match the official
/// server's). The handlers, one concern per file: <c>.Negotiate.cs</c>, <c>.WebSockets.cs</c>, <c>.HttpStreams.cs</c>
/// (SSE stream and Long Polling poll), <c>.Send.cs</c> (POST). Stateless apart from its immutable dependencies.
/// </remarks>
internal sealed partial class HttpConnectionDispatcher
{
    private static readonly object WebSocketStateKey = new();

    private readonly HttpConnectionManager _manager;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly SignalRLite.Internal.Diagnostics.SignalRLiteMetrics? _metrics;
    private readonly ILogger _webSocketLogger;
    private readonly ILogger _sseLogger;
    private readonly ILogger _longPollingLogger;
    private readonly RequestDelegate _webSocketPipeline;

    public HttpConnectionDispatcher(HttpConnectionManager manager, ILoggerFactory loggerFactory, IServiceProvider services)
    {
        _manager = manager;
        _services = services;
        _metrics = services.GetService(typeof(SignalRLite.Internal.Diagnostics.SignalRLiteMetrics)) as SignalRLite.Internal.Diagnostics.SignalRLiteMetrics;
        _logger = loggerFactory.CreateLogger<HttpConnectionDispatcher>();
        _webSocketLogger = loggerFactory.CreateLogger<WebSocketsTransport>();
        _sseLogger = loggerFactory.CreateLogger("SignalRLite.Internal.Transports.ServerSentEventsTransport");
        _longPollingLogger = loggerFactory.CreateLogger("SignalRLite.Internal.Transports.LongPollingTransport");

        // Hosts without app.UseWebSockets() (plain Kestrel) have no IHttpWebSocketFeature: run those upgrade requests
        // through the framework's WebSocket middleware, which adds it.
        var middleware = new WebSocketMiddleware(
            static context =>
            {
                var (dispatcher, options, connectionDelegate) =
                    ((HttpConnectionDispatcher, HttpConnectionDispatcherOptions, ConnectionDelegate))context.Items[WebSocketStateKey]!;
                context.Items.Remove(WebSocketStateKey);
                return dispatcher.ExecuteCoreAsync(context, options, connectionDelegate);
            },
            Options.Create(new Microsoft.AspNetCore.Builder.WebSocketOptions()),
            loggerFactory);
        _webSocketPipeline = middleware.Invoke;
    }

    internal HttpConnectionManager Manager => _manager;

    public Task ExecuteAsync(HttpContext context, HttpConnectionDispatcherOptions options, ConnectionDelegate connectionDelegate)
    {
        if (context.Features.Get<IHttpWebSocketFeature>() is null
            && (context.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true
                || context.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect == true))
        {
            context.Items[WebSocketStateKey] = (this, options, connectionDelegate);
            return _webSocketPipeline(context);
        }

        return ExecuteCoreAsync(context, options, connectionDelegate);
    }

    private Task ExecuteCoreAsync(HttpContext context, HttpConnectionDispatcherOptions options, ConnectionDelegate connectionDelegate)
    {
        var method = context.Request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsConnect(method))
        {
            if (context.WebSockets.IsWebSocketRequest)
            {
                return ExecuteWebSocketAsync(context, options, connectionDelegate);
            }

            if (HttpMethods.IsGet(method))
            {
                if (IsEventStreamRequest(context.Request))
                {
                    return ExecuteServerSentEventsAsync(context, options, connectionDelegate);
                }

                // The official server marks every Long Polling answer (refusals included) as not cacheable.
                SetNoCacheHeaders(context.Response);
                return ExecuteLongPollingAsync(context, options, connectionDelegate);
            }
        }
        else if (HttpMethods.IsPost(method))
        {
            return ExecuteSendAsync(context);
        }
        else if (HttpMethods.IsDelete(method))
        {
            return ExecuteDeleteAsync(context);
        }

        // As the official server: an empty text/plain 405, no Allow header (HEAD, OPTIONS without CORS, PUT, ...).
        AnswerEmpty(context, StatusCodes.Status405MethodNotAllowed);
        return Task.CompletedTask;
    }

    private static bool IsEventStreamRequest(HttpRequest request)
    {
        foreach (var value in request.Headers.Accept)
        {
            if (value is not null && value.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
    private async Task ExecuteDeleteAsync(HttpContext context)
    {
        var connection = await GetConnectionAsync(context).ConfigureAwait(false);
        if (connection is null)
        {
            return;
        }

        if (connection.TransportType != HttpTransportType.LongPolling)
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "Cannot terminate this connection using the DELETE endpoint.").ConfigureAwait(false);
            return;
        }

        TransportLog.Deleted(_longPollingLogger, connection.ConnectionId);
        _ = connection.CloseAsync(null);
        AnswerEmpty(context, StatusCodes.Status202Accepted);
    }

    private async Task<HttpConnectionContext?> GetConnectionAsync(HttpContext context)
    {
        var id = GetId(context);
        if (id is null)
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "Connection ID required").ConfigureAwait(false);
            return null;
        }

        if (!_manager.TryGetConnection(id, out var connection))
        {
            await RefuseAsync(context, StatusCodes.Status404NotFound, "No Connection with that ID").ConfigureAwait(false);
            return null;
        }

        return connection;
    }

    private static string? GetId(HttpContext context)
    {
        if (!context.Request.QueryString.HasValue)
        {
            // No query (a client that skips negotiation): parsing it would create a query feature that the request,
            // and so a WebSocket connection for its whole life, keeps.
            return null;
        }

        var values = context.Request.Query["id"];
        return StringValues.IsNullOrEmpty(values) ? null : values[0];
    }

    private Task RefuseAttachAsync(HttpContext context, AttachStatus status, string? closedContentType = "text/plain")
    {
        switch (status)
        {
            case AttachStatus.Closed:
                return RefuseAsync(context, StatusCodes.Status404NotFound, "No Connection with that ID", closedContentType);
            case AttachStatus.TransportMismatch:
                return RefuseAsync(context, StatusCodes.Status400BadRequest, "Cannot change transports mid-connection");
            default:
                // A second SSE stream or WebSocket: an empty 409, as the official server answers.
                TransportLog.RequestRefused(_logger, context.Request.Method, StatusCodes.Status409Conflict, "another stream is attached");
                AnswerEmpty(context, StatusCodes.Status409Conflict);
                return Task.CompletedTask;
        }
    }

    private Task RefuseDisabledTransportAsync(HttpContext context, HttpTransportType transport) =>
        RefuseAsync(context, StatusCodes.Status404NotFound, transport switch
        {
            HttpTransportType.WebSockets => "WebSockets transport not supported by this end point type",
            HttpTransportType.ServerSentEvents => "ServerSentEvents transport not supported by this end point type",
            _ => "LongPolling transport not supported by this end point type",
        });

    private Task RefuseAsync(HttpContext context, int statusCode, string text, string? contentType = "text/plain")
    {
        TransportLog.RequestRefused(_logger, context.Request.Method, statusCode, text);
        context.Response.StatusCode = statusCode;
        if (contentType is not null)
        {
            context.Response.ContentType = contentType;
        }

        return context.Response.WriteAsync(text, Encoding.UTF8, context.RequestAborted);
    }

    /// <summary>A status with an empty <c>text/plain</c> body, the official server's shape for 200/202 and most refusals.</summary>
    internal static void AnswerEmpty(HttpContext context, int statusCode)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "text/plain";
    }

    /// <summary>The official server's headers on every Long Polling answer (byte for byte).</summary>
    private static void SetNoCacheHeaders(HttpResponse response)
    {
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers.Pragma = "no-cache";
        response.Headers.Expires = "Thu, 01 Jan 1970 00:00:00 GMT";
    }
}
