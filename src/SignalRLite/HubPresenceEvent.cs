namespace SignalRLite;

/// <summary>A change of presence (<see cref="IHubPresence{THub}.WatchAsync"/>).</summary>
/// <param name="Kind">What changed.</param>
/// <param name="ConnectionId">The connection concerned.</param>
/// <param name="UserId">Its user identifier, when it has one.</param>
/// <param name="GroupName">The group, for <see cref="HubPresenceEventKind.GroupJoined"/> and <see cref="HubPresenceEventKind.GroupLeft"/>.</param>
/// <param name="Timestamp">When the change happened (the hub's <see cref="TimeProvider"/>).</param>
public sealed record HubPresenceEvent(HubPresenceEventKind Kind, string ConnectionId, string? UserId, string? GroupName, DateTimeOffset Timestamp);
