namespace SignalRLite.Internal.Presence;

/// <summary>A lifetime manager that can feed a <see cref="HubPresenceTracker"/> from its registry.</summary>
internal interface IHubPresenceSource
{
    /// <summary>The manager's tracker, created by <paramref name="create"/> and attached on the first call.</summary>
    HubPresenceTracker GetOrAttachPresence(Func<HubPresenceTracker> create);
}
