using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace SignalRLite.StackExchangeRedis.Internal;

internal static partial class RedisLog
{
    [LoggerMessage(1, LogLevel.Information, "Connecting to Redis endpoints: {Endpoints}. Using server name {ServerName}.", EventName = "ConnectingToEndpoints")]
    public static partial void ConnectingToEndpoints(ILogger logger, string endpoints, string serverName);

    [LoggerMessage(2, LogLevel.Information, "Connected to Redis.", EventName = "Connected")]
    public static partial void Connected(ILogger logger);

    [LoggerMessage(3, LogLevel.Error, "Connection to Redis failed ({FailureType}, {ConnectionType} on {EndPoint}). Messages published while it is down are lost; client connections stay open.", EventName = "ConnectionFailed")]
    public static partial void ConnectionFailed(ILogger logger, ConnectionFailureType failureType, ConnectionType connectionType, string? endPoint, Exception? exception);

    [LoggerMessage(4, LogLevel.Information, "Connection to Redis restored ({ConnectionType} on {EndPoint}); subscriptions are renewed.", EventName = "ConnectionRestored")]
    public static partial void ConnectionRestored(ILogger logger, ConnectionType connectionType, string? endPoint);

    [LoggerMessage(5, LogLevel.Error, "Redis error: {Message}", EventName = "RedisError")]
    public static partial void RedisError(ILogger logger, string message);

    [LoggerMessage(6, LogLevel.Trace, "Subscribing to channel {Channel}.", EventName = "Subscribing")]
    public static partial void Subscribing(ILogger logger, string channel);

    [LoggerMessage(7, LogLevel.Trace, "Unsubscribing from channel {Channel}.", EventName = "Unsubscribing")]
    public static partial void Unsubscribing(ILogger logger, string channel);

    [LoggerMessage(8, LogLevel.Error, "Failed to handle a backplane message on channel {Channel}.", EventName = "ReceiveFailed")]
    public static partial void ReceiveFailed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(9, LogLevel.Warning, "Failed to publish to Redis channel {Channel}: the message is lost.", EventName = "PublishFailed")]
    public static partial void PublishFailed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(10, LogLevel.Debug, "A client result for invocation {InvocationId} arrived with no invocation waiting for it.", EventName = "UnexpectedClientResult")]
    public static partial void UnexpectedClientResult(ILogger logger, string invocationId);

    [LoggerMessage(11, LogLevel.Warning, "Failed to unsubscribe from channel {Channel}.", EventName = "UnsubscribeFailed")]
    public static partial void UnsubscribeFailed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(12, LogLevel.Warning, "Dropped a backplane message for connection {ConnectionId}: the sending server did not register protocol '{Protocol}'.", EventName = "NoFrameForProtocol")]
    public static partial void NoFrameForProtocol(ILogger logger, string connectionId, string protocol, Exception exception);
}
