using Microsoft.Extensions.Logging;

namespace SignalRLite.Internal.Hubs;

internal static partial class HubLog
{
    [LoggerMessage(1, LogLevel.Debug, "Failed writing to connection {ConnectionId}.", EventName = "WriteFailed")]
    public static partial void WriteFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(2, LogLevel.Error, "A ConnectionAborted callback of connection {ConnectionId} threw.", EventName = "AbortCallbackFailed")]
    public static partial void AbortCallbackFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(3, LogLevel.Debug, "Failed to bind the arguments of hub method '{Target}'.", EventName = "BindingFailed")]
    public static partial void BindingFailed(ILogger logger, string target, Exception exception);

    [LoggerMessage(4, LogLevel.Debug, "Ignoring a stream message for unknown stream '{StreamId}'.", EventName = "UnknownStream")]
    public static partial void UnknownStream(ILogger logger, string streamId);

    [LoggerMessage(5, LogLevel.Debug, "Ignoring a message of unexpected type {MessageType}.", EventName = "UnexpectedMessage")]
    public static partial void UnexpectedMessage(ILogger logger, string messageType);

    [LoggerMessage(6, LogLevel.Debug, "Ignoring a Completion for '{InvocationId}' that no client result is waiting for.", EventName = "UnexpectedCompletion")]
    public static partial void UnexpectedCompletion(ILogger logger, string invocationId, Exception exception);

    [LoggerMessage(7, LogLevel.Debug, "Unknown hub method '{Target}'.", EventName = "UnknownMethod")]
    public static partial void UnknownMethod(ILogger logger, string target);

    [LoggerMessage(8, LogLevel.Error, "Failed to invoke hub method '{Method}'.", EventName = "InvocationFailed")]
    public static partial void InvocationFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(9, LogLevel.Debug, "Handshake with connection {ConnectionId} failed: {Error}", EventName = "HandshakeFailed")]
    public static partial void HandshakeFailed(ILogger logger, string connectionId, string error);

    [LoggerMessage(10, LogLevel.Debug, "Connection {ConnectionId} completed the handshake with protocol '{Protocol}' version {Version}.", EventName = "HandshakeComplete")]
    public static partial void HandshakeComplete(ILogger logger, string connectionId, string protocol, int version);

    [LoggerMessage(11, LogLevel.Debug, "Connection {ConnectionId} is closing with an error.", EventName = "ClosingWithError")]
    public static partial void ClosingWithError(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(12, LogLevel.Error, "OnConnectedAsync of connection {ConnectionId} failed.", EventName = "OnConnectedFailed")]
    public static partial void OnConnectedFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(13, LogLevel.Error, "OnDisconnectedAsync of connection {ConnectionId} failed.", EventName = "OnDisconnectedFailed")]
    public static partial void OnDisconnectedFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(14, LogLevel.Debug, "Connection {ConnectionId} timed out: nothing received within the client timeout.", EventName = "ClientTimeout")]
    public static partial void ClientTimeout(ILogger logger, string connectionId);

    [LoggerMessage(20, LogLevel.Debug, "Connection {ConnectionId} reattached: Sequence {SequenceId}, {Count} messages replayed.", EventName = "Replayed")]
    public static partial void Replayed(ILogger logger, string connectionId, long sequenceId, int count);

    [LoggerMessage(21, LogLevel.Debug, "Connection {ConnectionId}: ignored an Ack of {SequenceId}, past the last message sent.", EventName = "AckIgnored")]
    public static partial void AckIgnored(ILogger logger, string connectionId, long sequenceId);

    [LoggerMessage(40, LogLevel.Debug, "Connection {ConnectionId} has {Count} invocations queued: reading pauses until one starts.", EventName = "InvocationQueueFull")]
    public static partial void InvocationQueueFull(ILogger logger, string connectionId, int count);

    [LoggerMessage(41, LogLevel.Debug, "Invocation of '{Method}' by connection {ConnectionId} refused: the user is not authorized.", EventName = "InvocationUnauthorized")]
    public static partial void InvocationUnauthorized(ILogger logger, string method, string connectionId);

    [LoggerMessage(42, LogLevel.Debug, "Connection {ConnectionId} is closing: its authentication expired.", EventName = "AuthenticationExpired")]
    public static partial void AuthenticationExpired(ILogger logger, string connectionId);

    [LoggerMessage(43, LogLevel.Warning, "Connection {ConnectionId} is closing as a slow consumer: it reads nothing while more than {Limit} messages wait for it (HubOptions.MaximumQueuedMessagesPerClient).", EventName = "SlowClient")]
    public static partial void SlowClient(ILogger logger, string connectionId, int limit);

    [LoggerMessage(44, LogLevel.Debug, "An item of upload stream '{StreamId}' failed to bind: the stream ends with an error.", EventName = "StreamBindingFailed")]
    public static partial void StreamBindingFailed(ILogger logger, string streamId, Exception exception);

    [LoggerMessage(80, LogLevel.Error, "OnAuthenticationRefreshedAsync of connection {ConnectionId} failed.", EventName = "AuthenticationRefreshedFailed")]
    public static partial void AuthenticationRefreshedFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(81, LogLevel.Debug, "Connection {ConnectionId} invoked an [Authorize] method after its authentication expired (HubOptions.ExpiredAuthorization).", EventName = "InvocationAfterAuthenticationExpired")]
    public static partial void InvocationAfterAuthenticationExpired(ILogger logger, string connectionId);
}
