namespace SignalRLite.StackExchangeRedis.Internal;

/// <summary>
/// The channel names of one hub: <c>{hub}:all</c>, <c>{hub}:g:{group}</c>, <c>{hub}:c:{connectionId}</c>,
/// <c>{hub}:u:{userId}</c> and <c>{hub}:s:{serverName}</c> (replies to one server). The configured
/// <c>ChannelPrefix</c> is prepended by StackExchange.Redis.
/// </summary>
internal sealed class RedisChannels
{
    private readonly string _prefix;

    public RedisChannels(string hubName)
    {
        _prefix = hubName + ":";
        All = _prefix + "all";
    }

    public string All { get; }

    public string Group(string groupName) => _prefix + "g:" + groupName;

    public string Connection(string connectionId) => _prefix + "c:" + connectionId;

    public string User(string userId) => _prefix + "u:" + userId;

    public string Server(string serverName) => _prefix + "s:" + serverName;

    /// <summary>Admin commands to every server of the hub; the answers go to <see cref="AdminReplies"/> of the asking server.</summary>
    public string Admin => _prefix + "admin";

    public string AdminReplies(string serverName) => _prefix + "a:" + serverName;
}
