namespace SignalRLite.Internal.Hubs;

/// <summary>Picks the options a hub runs with: its own when <c>AddHubOptions&lt;THub&gt;</c> was called (they start as a copy of the global ones), else the global ones.</summary>
internal static class HubOptionsResolver
{
    public static HubOptions Resolve<THub>(HubOptions global, HubOptions<THub> hub) where THub : Hub =>
        hub.UserHasSetValues ? hub : global;
}
