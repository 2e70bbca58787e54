using System.IO.Pipelines;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using SignalRLite.Http.Connections;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// The WebSockets request: attaches the socket (or, with stateful reconnect, reattaches a new one), runs it until it
/// ends, then closes the connection unless it waits for a new socket.
/// </summary>
internal sealed partial class HttpConnectionDispatcher
{
    private Task ExecuteWebSocketAsync(HttpContext context, HttpConnectionDispatcherOptions options, ConnectionDelegate connectionDelegate)
    {
        // A WebSocket without stateful reconnect ends in its transport (WebSocketsTransport.EndDirectAsync releases the
        // lease and closes the connection): the request returns the transport's task instead of awaiting it,
        // so an idle connection does not keep this method's state machine too. When accepting completes synchronously
        // (the usual case), nothing else is parked; otherwise one small method awaits both.
        var starting = StartWebSocketAsync(context, options, connectionDelegate);
        return starting.IsCompletedSuccessfully ? starting.Result : AwaitStartedAsync(starting);
    }

    private static async Task AwaitStartedAsync(Task<Task> starting) =>
        await (await starting.ConfigureAwait(false)).ConfigureAwait(false);

    /// <summary>Returns what the request still has to wait for: the direct transport's run, or a completed task.</summary>
    private async Task<Task> StartWebSocketAsync(HttpContext context, HttpConnectionDispatcherOptions options, ConnectionDelegate connectionDelegate)
    {
        if ((options.Transports & HttpTransportType.WebSockets) == 0)
        {
            await RefuseDisabledTransportAsync(context, HttpTransportType.WebSockets).ConfigureAwait(false);
            return Task.CompletedTask;
        }

        HttpConnectionContext connection;
        var id = GetId(context);
        if (id is null)
        {
            // Skip negotiation: a brand-new connection, admitted by the quotas before the socket is accepted (it attaches
            // at once, so it never counts as pending); useStatefulReconnect=true on the URL is the opt-in
            // (TransportProtocols.md, negotiate "useStatefulReconnect").
            var (admitted, quota) = await AdmitAsync(context, pending: false).ConfigureAwait(false);
            if (!admitted)
            {
                return Task.CompletedTask;
            }

            connection = _manager.CreateConnection(options, useStatefulReconnect: options.AllowStatefulReconnects
                && string.Equals(context.Request.Query["useStatefulReconnect"], "true", StringComparison.OrdinalIgnoreCase), quota: quota);
            AuthenticationExpirationFeature.SetFromRequest(connection, context, options);
        }
        else if (!_manager.TryGetConnection(id, out connection!))
        {
            // The official server sends this one without a Content-Type.
            await RefuseAsync(context, StatusCodes.Status404NotFound, "No Connection with that ID", contentType: null).ConfigureAwait(false);
            return Task.CompletedTask;
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
            return Task.CompletedTask;
        }

        ActivateQuota(connection);

        Exception? clientError = null;
        var lost = false;
        WebSocket? socket = null;
        var handedOver = false; // the direct transport owns the socket and the lease from then on
        try
        {
            var selector = options.WebSockets.SubProtocolSelector;
            var subProtocol = selector is null ? null : selector(context.WebSockets.WebSocketRequestedProtocols);
            socket = await context.WebSockets.AcceptWebSocketAsync(subProtocol).ConfigureAwait(false);
            TransportLog.WebSocketAccepted(_webSocketLogger, connection.ConnectionId);

            connection.UpdateFromRequest(context);
            connection.HttpContext = context;
            PipeWriter? reattachedOutput = null;
            WebSocketsTransport transport;
            if (status == AttachStatus.Reattached)
            {
                TransportLog.WebSocketReattached(_webSocketLogger, connection.ConnectionId);
                reattachedOutput = connection.BeginReattach();
                transport = new WebSocketsTransport(socket, connection, options, _webSocketLogger);
            }
            else
            {
                transport = new WebSocketsTransport(socket, connection, options, _webSocketLogger);
                if (!connection.UseStatefulReconnect)
                {
                    // No socket swap can come: the application reads and writes the socket directly, without pipes,
                    // and the transport ends the request's work itself (lease, socket, close).
                    transport.CreateDirectPipes(lease!);
                    connection.UseDirectPipes(transport);
                    connection.StartApplication(connectionDelegate);
                    connection.SetActiveWebSocket(transport);
                    var run = transport.RunDirectAsync();
                    handedOver = true;
                    return run;
                }

                connection.StartApplication(connectionDelegate);
            }

            connection.SetActiveWebSocket(transport);
            // The application writes Sequence and its replay while the new socket already sends (a flush that waits for
            // the send loop resumes once it runs); the socket receives only after the reattach (WebSocketsTransport.ProcessAsync).
            var reattach = reattachedOutput is null ? null : connection.CompleteReattachAsync(reattachedOutput);
            var processing = transport.ProcessAsync(reattach);
            if (reattach is not null)
            {
                await reattach.ConfigureAwait(false);
            }

            clientError = await processing.ConfigureAwait(false);
            connection.SetActiveWebSocket(null);
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
            if (!handedOver)
            {
                socket?.Dispose();
                connection.ReleaseReader(lease!);
            }
        }

        if (!lost)
        {
            await connection.CloseAsync(clientError).ConfigureAwait(false);
        }

        return Task.CompletedTask;
    }
}
