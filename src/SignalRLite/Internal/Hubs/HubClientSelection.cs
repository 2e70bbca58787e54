// Shared source, like HubConnectionRegistry: compiled into the core and into SignalRLite.StackExchangeRedis, so that a
// send's selection has one set of names in spans, the send counter and the fan-out histogram of every package.
#if SIGNALRLITE_STACKEXCHANGEREDIS
namespace SignalRLite.StackExchangeRedis.Internal;
#else
namespace SignalRLite.Internal.Hubs;
#endif

/// <summary>
/// Which connections a send through a hub's clients is addressed to: the selection of a <c>HubClientProxy</c>, and
/// the target a lifetime manager's local fan-out records.
/// </summary>
internal enum HubClientSelection
{
    All,
    AllExcept,
    Connections,
    Group,
    Groups,
    GroupExcept,
    User,
    Users,
}

/// <summary>The <c>signalrlite.target</c> attribute value of each selection (docs/observability.md).</summary>
internal static class HubClientSelectionNames
{
    /// <summary>The target of a send to one connection (<c>Client</c>, <c>Caller</c>), which has no selection.</summary>
    public const string Connection = "connection";

    private static readonly string[] Names = ["all", "all_except", "connections", "group", "groups", "group_except", "user", "users"];

    public static string Of(HubClientSelection selection) => Names[(int)selection];
}
