using Microsoft.Extensions.Logging;

namespace SignalRLite.Internal.Transports;

/// <summary>Log messages of the connection layer. Never logs query strings (they may carry <c>access_token</c>) nor connection tokens.</summary>
internal static partial class TransportLog
{
    [LoggerMessage(1, LogLevel.Debug, "New connection {ConnectionId} created.", EventName = "ConnectionCreated")]
    public static partial void ConnectionCreated(ILogger logger, string connectionId);

    [LoggerMessage(2, LogLevel.Debug, "Connection {ConnectionId} removed.", EventName = "ConnectionRemoved")]
    public static partial void ConnectionRemoved(ILogger logger, string connectionId);

    [LoggerMessage(3, LogLevel.Debug, "Connection {ConnectionId} closing. Reason: {Reason}", EventName = "ConnectionClosing")]
    public static partial void ConnectionClosing(ILogger logger, string connectionId, string? reason);

    [LoggerMessage(4, LogLevel.Debug, "Connection {ConnectionId} timed out without a transport.", EventName = "ConnectionTimedOut")]
    public static partial void ConnectionTimedOut(ILogger logger, string connectionId);

    [LoggerMessage(5, LogLevel.Debug, "Connection {ConnectionId} aborted: {Reason}", EventName = "ConnectionAborted")]
    public static partial void ConnectionAborted(ILogger logger, string connectionId, string reason);

    [LoggerMessage(6, LogLevel.Error, "The application of connection {ConnectionId} failed.", EventName = "ApplicationFailed")]
    public static partial void ApplicationFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(7, LogLevel.Error, "Closing connection {ConnectionId} failed.", EventName = "CloseFailed")]
    public static partial void CloseFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(8, LogLevel.Warning, "A ConnectionClosed callback of connection {ConnectionId} threw.", EventName = "ClosedCallbackFailed")]
    public static partial void ClosedCallbackFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(9, LogLevel.Warning, "A heartbeat callback of connection {ConnectionId} threw.", EventName = "HeartbeatFailed")]
    public static partial void HeartbeatFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(10, LogLevel.Error, "Scanning connections failed.", EventName = "ScanFailed")]
    public static partial void ScanFailed(ILogger logger, Exception exception);

    [LoggerMessage(11, LogLevel.Debug, "Request {Method} refused with {StatusCode}: {Reason}", EventName = "RequestRefused")]
    public static partial void RequestRefused(ILogger logger, string method, int statusCode, string reason);

    [LoggerMessage(12, LogLevel.Debug, "Negotiate: version {NegotiateVersion}, new connection {ConnectionId}.", EventName = "Negotiated")]
    public static partial void Negotiated(ILogger logger, int negotiateVersion, string connectionId);

    [LoggerMessage(20, LogLevel.Debug, "Connection {ConnectionId}: WebSocket accepted.", EventName = "WebSocketAccepted")]
    public static partial void WebSocketAccepted(ILogger logger, string connectionId);

    [LoggerMessage(21, LogLevel.Debug, "Connection {ConnectionId}: client sent a WebSocket close frame ({CloseStatus}).", EventName = "WebSocketClientClosed")]
    public static partial void WebSocketClientClosed(ILogger logger, string connectionId, System.Net.WebSockets.WebSocketCloseStatus? closeStatus);

    [LoggerMessage(22, LogLevel.Debug, "Connection {ConnectionId}: WebSocket lost.", EventName = "WebSocketLost")]
    public static partial void WebSocketLost(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(23, LogLevel.Debug, "Connection {ConnectionId}: the client did not answer the close frame in time; aborting the socket.", EventName = "WebSocketCloseTimedOut")]
    public static partial void WebSocketCloseTimedOut(ILogger logger, string connectionId);

    [LoggerMessage(24, LogLevel.Debug, "Connection {ConnectionId}: a send did not complete within the transport send timeout; closing.", EventName = "SendTimedOut")]
    public static partial void SendTimedOut(ILogger logger, string connectionId);

    [LoggerMessage(25, LogLevel.Debug, "Connection {ConnectionId}: sending failed.", EventName = "SendFailed")]
    public static partial void SendFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(30, LogLevel.Debug, "Connection {ConnectionId}: Server-Sent Events stream started.", EventName = "SseStarted")]
    public static partial void SseStarted(ILogger logger, string connectionId);

    [LoggerMessage(31, LogLevel.Debug, "Connection {ConnectionId}: Server-Sent Events stream ended.", EventName = "SseEnded")]
    public static partial void SseEnded(ILogger logger, string connectionId);

    [LoggerMessage(40, LogLevel.Trace, "Connection {ConnectionId}: poll answered with {StatusCode} ({Bytes} bytes).", EventName = "PollCompleted")]
    public static partial void PollCompleted(ILogger logger, string connectionId, int statusCode, long bytes);

    [LoggerMessage(41, LogLevel.Debug, "Connection {ConnectionId}: terminated by DELETE.", EventName = "Deleted")]
    public static partial void Deleted(ILogger logger, string connectionId);

    [LoggerMessage(50, LogLevel.Trace, "Connection {ConnectionId}: received {Bytes} bytes by POST.", EventName = "PostReceived")]
    public static partial void PostReceived(ILogger logger, string connectionId, long bytes);

    [LoggerMessage(60, LogLevel.Debug, "Connection {ConnectionId}: WebSocket dropped; waiting for the client to reconnect.", EventName = "WaitingForReconnect")]
    public static partial void WaitingForReconnect(ILogger logger, string connectionId);

    [LoggerMessage(61, LogLevel.Debug, "Connection {ConnectionId}: a new WebSocket took over the connection.", EventName = "WebSocketReattached")]
    public static partial void WebSocketReattached(ILogger logger, string connectionId);

    [LoggerMessage(62, LogLevel.Debug, "Connection {ConnectionId}: a new WebSocket arrived while the old one was attached; aborting the old one.", EventName = "StaleWebSocketAborted")]
    public static partial void StaleWebSocketAborted(ILogger logger, string connectionId);

    [LoggerMessage(70, LogLevel.Debug, "Connection {ConnectionId}: authentication refreshed.", EventName = "AuthenticationRefreshed")]
    public static partial void Refreshed(ILogger logger, string connectionId);

    [LoggerMessage(71, LogLevel.Information, "Connection {ConnectionId}: authentication refresh rejected ({Reason}).", EventName = "AuthenticationRefreshRejected")]
    public static partial void RefreshRejected(ILogger logger, string connectionId, string reason);

    [LoggerMessage(72, LogLevel.Warning, "Connection {ConnectionId}: OnAuthenticationRefresh threw; the refresh is rejected.", EventName = "AuthenticationRefreshCallbackFailed")]
    public static partial void RefreshCallbackFailed(ILogger logger, string connectionId, Exception exception);
}
