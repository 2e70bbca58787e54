using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebSockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using SignalRLite.Internal.Protocol;
using Microsoft.Net.Http.Headers;
using SignalRLite.Http.Connections;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// Serves negotiate and the three transports of one or more endpoints (TransportProtocols.md) and runs the endpoint's
/// <see cref="ConnectionDelegate"/> once per logical connection when its transport first attaches.
/// </summary>
internal sealed class HttpConnectionDispatcher
{
    private static readonly object WebSocketStateKey = new();

    private readonly HttpConnectionManager _manager;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly ILogger _webSocketLogger;
    private readonly ILogger _sseLogger;
    private readonly ILogger _longPollingLogger;
    private readonly RequestDelegate _webSocketPipeline;

    public HttpConnectionDispatcher(HttpConnectionManager manager, ILoggerFactory loggerFactory, IServiceProvider services)
    {
        _manager = manager;
        _services = services;
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

    public async Task ExecuteNegotiateAsync(HttpContext context, HttpConnectionDispatcherOptions options)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            AnswerEmpty(context, StatusCodes.Status405MethodNotAllowed);
            return;
        }

        // As measured on the official server: absent means 0; anything present that is not one integer (empty, "abc",
        // "1.5", out of range, repeated) is answered 200 with an error body, like a version below the minimum.
        var version = 0;
        string? error = null;
        var versionValues = context.Request.Query["negotiateVersion"];
        if (versionValues.Count > 0
            && (versionValues.Count > 1 || !int.TryParse(versionValues[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out version)))
        {
            error = "The client requested a non-integer protocol version.";
        }
        else if (version < options.MinimumProtocolVersion)
        {
            error = $"The client requested version '{version}', but the server does not support this version.";
        }

        var buffer = PooledBufferWriter.Rent();
        try
        {
            if (error is not null)
            {
                NegotiateResponseWriter.WriteError(buffer, error);
                TransportLog.RequestRefused(_logger, context.Request.Method, StatusCodes.Status200OK, error);
            }
            else
            {
                version = Math.Min(version, 1);
                // Any version (the official server offers it with version 0 too).
                var statefulReconnect = options.AllowStatefulReconnects
                    && string.Equals(context.Request.Query["useStatefulReconnect"], "true", StringComparison.OrdinalIgnoreCase);
                var connection = _manager.CreateConnection(options, version, statefulReconnect);
                connection.UpdateFromRequest(context);
                AuthenticationExpirationFeature.SetFromRequest(connection, context, options);
                NegotiateResponseWriter.WriteConnection(
                    buffer,
                    version,
                    connection.ConnectionId,
                    version >= 1 ? connection.ConnectionToken : null,
                    options.Transports,
                    statefulReconnect);
                TransportLog.Negotiated(_logger, version, connection.ConnectionId);
            }

            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = buffer.WrittenSpan.Length;
            context.Response.BodyWriter.Write(buffer.WrittenSpan);
        }
        finally
        {
            PooledBufferWriter.Return(buffer);
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

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

    private async Task ExecuteWebSocketAsync(HttpContext context, HttpConnectionDispatcherOptions options, ConnectionDelegate connectionDelegate)
    {
        if ((options.Transports & HttpTransportType.WebSockets) == 0)
        {
            await RefuseDisabledTransportAsync(context, HttpTransportType.WebSockets).ConfigureAwait(false);
            return;
        }

        HttpConnectionContext connection;
        var id = GetId(context);
        if (id is null)
        {
            // Skip negotiation: a brand-new connection; useStatefulReconnect=true on the URL is the opt-in (TransportProtocols.md, negotiate "useStatefulReconnect").
            connection = _manager.CreateConnection(options, useStatefulReconnect: options.AllowStatefulReconnects
                && string.Equals(context.Request.Query["useStatefulReconnect"], "true", StringComparison.OrdinalIgnoreCase));
            AuthenticationExpirationFeature.SetFromRequest(connection, context, options);
        }
        else if (!_manager.TryGetConnection(id, out connection!))
        {
            // The official server sends this one without a Content-Type.
            await RefuseAsync(context, StatusCodes.Status404NotFound, "No Connection with that ID", contentType: null).ConfigureAwait(false);
            return;
        }

        var status = connection.TryAttachStream(HttpTransportType.WebSockets, out var lease);
        if (status == AttachStatus.Busy && connection.CanReconnect)
        {
            // Stateful reconnect: the client came back before the server noticed that the old socket was gone.
            await connection.AbortStaleTransportAsync().ConfigureAwait(false);
            status = connection.TryAttachStream(HttpTransportType.WebSockets, out lease);
        }

        if (status is not AttachStatus.Attached and not AttachStatus.Reattached)
        {
            await RefuseAttachAsync(context, status, closedContentType: null).ConfigureAwait(false);
            return;
        }

        Exception? clientError = null;
        var lost = false;
        try
        {
            var selector = options.WebSockets.SubProtocolSelector;
            var subProtocol = selector is null ? null : selector(context.WebSockets.WebSocketRequestedProtocols);
            using var socket = await context.WebSockets.AcceptWebSocketAsync(subProtocol).ConfigureAwait(false);
            TransportLog.WebSocketAccepted(_webSocketLogger, connection.ConnectionId);

            connection.UpdateFromRequest(context);
            connection.HttpContext = context;
            PipeWriter? reattachedOutput = null;
            if (status == AttachStatus.Reattached)
            {
                TransportLog.WebSocketReattached(_webSocketLogger, connection.ConnectionId);
                reattachedOutput = connection.BeginReattach();
            }
            else
            {
                connection.StartApplication(connectionDelegate);
            }

            var transport = new WebSocketsTransport(socket, connection, options, _webSocketLogger);
            connection.SetActiveTransportAbort(transport.Abort);
            var processing = transport.ProcessAsync();
            if (reattachedOutput is not null)
            {
                // The application writes Sequence and its replay while the new socket already sends.
                await connection.CompleteReattachAsync(reattachedOutput).ConfigureAwait(false);
            }

            clientError = await processing.ConfigureAwait(false);
            connection.SetActiveTransportAbort(null);
            if (transport.Lost && connection.CanReconnect)
            {
                connection.OnTransportLost();
                lost = true;
            }
        }
        catch (Exception ex)
        {
            clientError = ex;
            connection.CompleteTransportInput(ex);
            connection.CompleteTransportOutput();
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            }
        }
        finally
        {
            connection.ReleaseReader(lease!);
        }

        if (!lost)
        {
            await connection.CloseAsync(clientError).ConfigureAwait(false);
        }
    }

    private async Task ExecuteServerSentEventsAsync(HttpContext context, HttpConnectionDispatcherOptions options, ConnectionDelegate connectionDelegate)
    {
        if ((options.Transports & HttpTransportType.ServerSentEvents) == 0)
        {
            await RefuseDisabledTransportAsync(context, HttpTransportType.ServerSentEvents).ConfigureAwait(false);
            return;
        }

        var connection = await GetConnectionAsync(context).ConfigureAwait(false);
        if (connection is null)
        {
            return;
        }

        var status = connection.TryAttachStream(HttpTransportType.ServerSentEvents, out var lease);
        if (status != AttachStatus.Attached)
        {
            await RefuseAttachAsync(context, status).ConfigureAwait(false);
            return;
        }

        try
        {
            connection.UpdateFromRequest(context);
            connection.HttpContext = context;
            await ServerSentEventsTransport.ProcessAsync(context, connection, options, connectionDelegate, _sseLogger).ConfigureAwait(false);
        }
        finally
        {
            connection.ReleaseReader(lease!);
        }

        await connection.CloseAsync(null).ConfigureAwait(false);
    }

    private async Task ExecuteLongPollingAsync(HttpContext context, HttpConnectionDispatcherOptions options, ConnectionDelegate connectionDelegate)
    {
        if ((options.Transports & HttpTransportType.LongPolling) == 0)
        {
            await RefuseDisabledTransportAsync(context, HttpTransportType.LongPolling).ConfigureAwait(false);
            return;
        }

        var connection = await GetConnectionAsync(context).ConfigureAwait(false);
        if (connection is null)
        {
            return;
        }

        await LongPollingTransport.PollAsync(context, connection, options, connectionDelegate, _services, _longPollingLogger).ConfigureAwait(false);
    }

    private async Task ExecuteSendAsync(HttpContext context)
    {
        var connection = await GetConnectionAsync(context).ConfigureAwait(false);
        if (connection is null)
        {
            return;
        }

        if (connection.TransportType == HttpTransportType.WebSockets)
        {
            await RefuseWebSocketPostAsync(context).ConfigureAwait(false);
            return;
        }

        // One write path per connection: a POST that arrives while another one's body is being copied waits for its
        // turn (the official server does the same), until its request is aborted or the connection closes.
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, connection.TransportClosing);
        bool entered;
        try
        {
            entered = await connection.Posts.EnterAsync(cancellation.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            if (!context.RequestAborted.IsCancellationRequested)
            {
                AnswerEmpty(context, StatusCodes.Status404NotFound);
            }

            return;
        }

        if (!entered)
        {
            await RefuseAsync(context, StatusCodes.Status409Conflict, "Too many POST requests are waiting for this connection.").ConfigureAwait(false);
            return;
        }

        try
        {
            await CopyPostAsync(context, connection, cancellation.Token).ConfigureAwait(false);
        }
        finally
        {
            connection.Posts.Exit();
        }
    }

    private async Task CopyPostAsync(HttpContext context, HttpConnectionContext connection, CancellationToken cancellationToken)
    {
        var status = connection.TryAttachWriter(out var lease);
        if (status == AttachStatus.TransportMismatch)
        {
            await RefuseWebSocketPostAsync(context).ConfigureAwait(false);
            return;
        }

        if (status != AttachStatus.Attached)
        {
            // The connection is closing (the official server answers an empty 404 until it is gone).
            AnswerEmpty(context, StatusCodes.Status404NotFound);
            return;
        }

        try
        {
            connection.UpdateFromRequest(context);
            try
            {
                await context.Request.BodyReader.CopyToAsync(connection.Application.Output, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (connection.TransportClosing.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
            {
                AnswerEmpty(context, StatusCodes.Status404NotFound);
                return;
            }

            TransportLog.PostReceived(_logger, connection.ConnectionId, context.Request.ContentLength ?? -1);
            AnswerEmpty(context, StatusCodes.Status200OK);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
        finally
        {
            connection.ReleaseWriter(lease!);
        }
    }

    private Task RefuseWebSocketPostAsync(HttpContext context) =>
        RefuseAsync(context, StatusCodes.Status405MethodNotAllowed, "POST requests are not allowed for WebSocket connections.");

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
