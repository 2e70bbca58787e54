namespace SignalRLite.Internal.Hubs;

/// <summary>The registry of this server's connections behind a lifetime manager, for presence, durable groups and admin.</summary>
internal static class LocalRegistry
{
    /// <summary>
    /// The registry of <paramref name="manager"/> when it is the in-memory manager (or derives from it); else an
    /// exception naming <paramref name="feature"/> and the manager, thrown at startup by the feature's constructor.
    /// </summary>
    public static HubConnectionRegistry Of<THub>(HubLifetimeManager<THub> manager, string feature) where THub : Hub =>
        (manager as DefaultHubLifetimeManager<THub>)?.Registry ?? throw new InvalidOperationException(
            $"{feature} needs the in-memory lifetime manager (DefaultHubLifetimeManager); {manager.GetType().Name} does not support it yet.");
}
