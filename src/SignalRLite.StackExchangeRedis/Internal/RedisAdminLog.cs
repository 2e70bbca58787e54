using Microsoft.Extensions.Logging;

namespace SignalRLite.StackExchangeRedis.Internal;

/// <summary>Log messages of the admin plane over Redis (event ids from 100, apart from <see cref="RedisLog"/>'s).</summary>
internal static partial class RedisAdminLog
{
    [LoggerMessage(100, LogLevel.Debug, "Admin command {Operation} '{Target}' reached {Count} local connection(s) or group(s).", EventName = "AdminActedLocally")]
    public static partial void ActedLocally(ILogger logger, string operation, string target, int count);

    [LoggerMessage(101, LogLevel.Warning, "Admin command {Operation} '{Target}': {Servers} server(s) received it, {Answered} answered within {Seconds} s; the count leaves out the others.", EventName = "AdminAnswersMissing")]
    public static partial void AnswersMissing(ILogger logger, string operation, string target, long servers, int answered, double seconds);

    [LoggerMessage(102, LogLevel.Information, "Admin: {Action} of {Kind} '{Name}' reached {Count} connection(s) on {Answered} of {Servers} server(s).", EventName = "AdminAction")]
    public static partial void AdminAction(ILogger logger, string action, string kind, string name, int count, int answered, long servers);
}
