using Microsoft.Extensions.Logging;

namespace SignalRLite.Internal.RateLimiting;

internal static partial class HubRateLimitLog
{
    [LoggerMessage(160, LogLevel.Debug, "Invocation of '{Method}' by connection {ConnectionId} rejected by rate limit policy '{Policy}': it gets an error Completion.", EventName = "RateLimitRejected")]
    public static partial void Rejected(ILogger logger, string method, string connectionId, string policy);

    [LoggerMessage(161, LogLevel.Debug, "Message for '{Method}' of connection {ConnectionId} dropped by rate limit policy '{Policy}'.", EventName = "RateLimitDropped")]
    public static partial void Dropped(ILogger logger, string method, string connectionId, string policy);

    [LoggerMessage(162, LogLevel.Information, "Connection {ConnectionId} is closing: rate limit policy '{Policy}' rejected an invocation of '{Method}'.", EventName = "RateLimitClosing")]
    public static partial void Closing(ILogger logger, string method, string connectionId, string policy);
}
