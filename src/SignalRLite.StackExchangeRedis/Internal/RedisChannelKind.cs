namespace SignalRLite.StackExchangeRedis.Internal;

/// <summary>
/// What a backplane message is for, as the <c>signalrlite.channel_kind</c> attribute names it (docs/observability.md).
/// Hub sends travel on the <c>all</c>, <c>group</c>, <c>user</c> and <c>connection</c> channels; the others are the
/// backplane's own traffic between servers.
/// </summary>
internal enum RedisChannelKind
{
    /// <summary>A send to every connection of the hub (<c>{hub}:all</c>).</summary>
    All,

    /// <summary>A send to a group (<c>{hub}:g:{group}</c>).</summary>
    Group,

    /// <summary>A send to a user's connections (<c>{hub}:u:{user}</c>).</summary>
    User,

    /// <summary>A send to one connection held by another server (<c>{hub}:c:{id}</c>).</summary>
    Connection,

    /// <summary>A client-result invocation for a connection held by another server.</summary>
    Invocation,

    /// <summary>A client result (or its failure) on its way back to the invoking server.</summary>
    Return,

    /// <summary>Add or remove a connection held by another server to or from a group.</summary>
    GroupCommand,

    /// <summary>The acknowledgement of a group command.</summary>
    Ack,

    /// <summary>An admin command to every server of the hub (<c>{hub}:admin</c>).</summary>
    Admin,

    /// <summary>A server's answer to an admin command (<c>{hub}:a:{serverName}</c>).</summary>
    AdminReply,
}

/// <summary>The attribute values of <see cref="RedisChannelKind"/>.</summary>
internal static class RedisChannelKindNames
{
    public const string Attribute = "signalrlite.channel_kind";

    private static readonly string[] Names = ["all", "group", "user", "connection", "invocation", "return", "group_command", "ack", "admin", "admin_reply"];

    public static string Name(this RedisChannelKind kind) => Names[(int)kind];
}
