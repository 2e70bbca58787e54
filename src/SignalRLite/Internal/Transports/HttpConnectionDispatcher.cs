using System.Buffers;
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
/// Serves negotiate and the three transports of one or more endpoints (PROTOCOL.md §2–§8) and runs the endpoint's
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
            await RefuseAsync(context, StatusCodes.Status405MethodNotAllowed, "Negotiate only accepts POST.").ConfigureAwait(false);
            return;
        }

        var version = 0;
        var versionValues = context.Request.Query["negotiateVersion"];
        if (!StringValues.IsNullOrEmpty(versionValues) && !int.TryParse(versionValues.ToString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out version))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "The negotiateVersion parameter must be an integer.").ConfigureAwait(false);
            return;
        }

        SetNoCacheHeaders(context.Response);
        var buffer = PooledBufferWriter.Rent();
        try
        {
            if (version < options.MinimumProtocolVersion)
            {
                NegotiateResponseWriter.WriteError(buffer, $"The client requested version '{version}', but the server does not support this version.");
                TransportLog.RequestRefused(_logger, context.Request.Method, StatusCodes.Status200OK, "negotiate version below the minimum");
            }
            else
            {
                version = Math.Min(version, 1);
                var statefulReconnect = version >= 1
                    && options.AllowStatefulReconnects
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
                return IsEventStreamRequest(context.Request)
                    ? ExecuteServerSentEventsAsync(context, options, connectionDelegate)
                    : ExecuteLongPollingAsync(context, options, connectionDelegate);
            }
        }
        else if (HttpMethods.IsPost(method))
        {
            return ExecuteSendAsync(context, options);
        }
        else if (HttpMethods.IsDelete(method))
        {
            return ExecuteDeleteAsync(context);
        }

        context.Response.Headers.Allow = "GET, POST, DELETE";
        return RefuseAsync(context, StatusCodes.Status405MethodNotAllowed, "Method not allowed.");
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
            // Skip negotiation: a brand-new connection; useStatefulReconnect=true on the URL is the opt-in (PROTOCOL.md §21.1).
            connection = _manager.CreateConnection(options, useStatefulReconnect: options.AllowStatefulReconnects
                && string.Equals(context.Request.Query["useStatefulReconnect"], "true", StringComparison.OrdinalIgnoreCase));
            AuthenticationExpirationFeature.SetFromRequest(connection, context, options);
        }
        else if (!_manager.TryGetConnection(id, out connection!))
        {
            await RefuseAsync(context, StatusCodes.Status404NotFound, "No Connection with that ID").ConfigureAwait(false);
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
            await RefuseAttachAsync(context, status, "Another WebSocket is already attached to this connection.").ConfigureAwait(false);
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
            await RefuseAttachAsync(context, status, "Another Server-Sent Events stream is already attached to this connection.").ConfigureAwait(false);
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

    private async Task ExecuteSendAsync(HttpContext context, HttpConnectionDispatcherOptions options)
    {
        var connection = await GetConnectionAsync(context).ConfigureAwait(false);
        if (connection is null)
        {
            return;
        }

        var status = connection.TryAttachWriter(out var lease);
        if (status != AttachStatus.Attached)
        {
            await RefuseAttachAsync(context, status, "Another POST is in progress for this connection.").ConfigureAwait(false);
            return;
        }

        try
        {
            connection.UpdateFromRequest(context);
            using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, connection.TransportClosing);
            try
            {
                await context.Request.BodyReader.CopyToAsync(connection.Application.Output, cancellation.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (connection.TransportClosing.IsCancellationRequested)
            {
                await RefuseAsync(context, StatusCodes.Status404NotFound, "The connection was closed.").ConfigureAwait(false);
                return;
            }

            TransportLog.PostReceived(_logger, connection.ConnectionId, context.Request.ContentLength ?? -1);
            context.Response.StatusCode = StatusCodes.Status200OK;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
        finally
        {
            connection.ReleaseWriter(lease!);
        }
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
        context.Response.StatusCode = StatusCodes.Status202Accepted;
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

    private Task RefuseAttachAsync(HttpContext context, AttachStatus status, string busyText) => status switch
    {
        AttachStatus.Closed => RefuseAsync(context, StatusCodes.Status404NotFound, "No Connection with that ID"),
        AttachStatus.TransportMismatch => RefuseAsync(context, StatusCodes.Status400BadRequest, "Cannot change transports mid-connection"),
        _ => RefuseAsync(context, StatusCodes.Status409Conflict, busyText),
    };

    private Task RefuseDisabledTransportAsync(HttpContext context, HttpTransportType transport) =>
        RefuseAsync(context, StatusCodes.Status404NotFound, transport switch
        {
            HttpTransportType.WebSockets => "WebSockets transport not supported by this end point type",
            HttpTransportType.ServerSentEvents => "ServerSentEvents transport not supported by this end point type",
            _ => "LongPolling transport not supported by this end point type",
        });

    private Task RefuseAsync(HttpContext context, int statusCode, string text)
    {
        TransportLog.RequestRefused(_logger, context.Request.Method, statusCode, text);
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "text/plain";
        return context.Response.WriteAsync(text, Encoding.UTF8, context.RequestAborted);
    }

    private static void SetNoCacheHeaders(HttpResponse response)
    {
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers.Pragma = "no-cache";
        response.Headers.Expires = "Thu, 01 Jan 1970 00:00:00 GMT";
    }
}
