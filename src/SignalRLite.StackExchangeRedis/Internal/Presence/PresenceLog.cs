using Microsoft.Extensions.Logging;

namespace SignalRLite.StackExchangeRedis.Internal.Presence;

internal static partial class PresenceLog
{
    [LoggerMessage(101, LogLevel.Warning, "Writing presence to Redis failed; this server's presence is re-published when Redis answers again.", EventName = "PresenceWriteFailed")]
    public static partial void WriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(102, LogLevel.Information, "Re-publishing the presence of this server's {Count} connections to Redis.", EventName = "PresenceRepublishing")]
    public static partial void Republishing(ILogger logger, int count);

    [LoggerMessage(103, LogLevel.Error, "A presence callback failed on a {Kind} event.", EventName = "PresenceCallbackFailed")]
    public static partial void CallbackFailed(ILogger logger, HubPresenceEventKind kind, Exception exception);

    [LoggerMessage(104, LogLevel.Warning, "A presence event from Redis could not be read.", EventName = "PresenceEventUnreadable")]
    public static partial void EventUnreadable(ILogger logger, Exception exception);

    [LoggerMessage(105, LogLevel.Error, "The durable groups of user '{UserId}' could not be applied to this server's connections.", EventName = "UserGroupsApplyFailed")]
    public static partial void UserGroupsApplyFailed(ILogger logger, string userId, Exception exception);
}
