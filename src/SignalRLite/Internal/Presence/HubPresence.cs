using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace SignalRLite.Internal.Presence;

/// <summary>
/// <see cref="IHubPresence{THub}"/> over the hub's <see cref="HubPresenceTracker"/>, which it attaches to the lifetime
/// manager when it is created (by the hub's connection handler at <c>MapHub</c>, so before the first connection). With a
/// lifetime manager that spans servers (whose backplane registered an <see cref="IClusterLifetimeManager{THub}"/>), every
/// call goes to the presence that backplane keeps for the cluster instead.
/// </summary>
internal sealed partial class HubPresence<THub> : IHubPresence<THub>, IPresenceEventSource where THub : Hub
{
    private readonly HubPresenceTracker _tracker = null!;
    private readonly IHubPresence<THub>? _cluster;
    private readonly ILogger _logger;

    public HubPresence(HubLifetimeManager<THub> lifetimeManager, TimeProvider time, ILogger<HubPresence<THub>> logger, IClusterLifetimeManager<THub>? cluster = null)
    {
        _logger = logger;
        if (cluster is not null && lifetimeManager is not DefaultHubLifetimeManager<THub>)
        {
            _cluster = cluster.EnablePresence();
            return;
        }

        var registry = SignalRLite.Internal.Hubs.LocalRegistry.Of(lifetimeManager, "AddHubPresence()");
        _tracker = (HubPresenceTracker)registry.GetOrAttachObserver(() => new HubPresenceTracker(time));
    }

    public ValueTask<long> GetConnectionCountAsync(CancellationToken cancellationToken = default) =>
        _cluster is { } cluster ? cluster.GetConnectionCountAsync(cancellationToken) : new(_tracker.ConnectionCount);

    public ValueTask<long> GetUserConnectionCountAsync(string userId, CancellationToken cancellationToken = default) =>
        _cluster is { } cluster ? cluster.GetUserConnectionCountAsync(userId, cancellationToken) :
        new(_tracker.CountOf(PresenceSet.UserConnections, NotNull(userId)));

    public ValueTask<long> GetGroupConnectionCountAsync(string groupName, CancellationToken cancellationToken = default) =>
        _cluster is { } cluster ? cluster.GetGroupConnectionCountAsync(groupName, cancellationToken) :
        new(_tracker.CountOf(PresenceSet.GroupConnections, NotNull(groupName)));

    public ValueTask<long> GetUserCountAsync(CancellationToken cancellationToken = default) =>
        _cluster is { } cluster ? cluster.GetUserCountAsync(cancellationToken) : new(_tracker.UserCount);

    public ValueTask<long> GetGroupUserCountAsync(string groupName, CancellationToken cancellationToken = default) =>
        _cluster is { } cluster ? cluster.GetGroupUserCountAsync(groupName, cancellationToken) :
        new(_tracker.CountOf(PresenceSet.GroupUsers, NotNull(groupName)));

    public ValueTask<bool> IsOnlineAsync(string userId, CancellationToken cancellationToken = default) =>
        _cluster is { } cluster ? cluster.IsOnlineAsync(userId, cancellationToken) :
        new(_tracker.CountOf(PresenceSet.UserConnections, NotNull(userId)) > 0);

    public ValueTask<HubPresencePage> GetConnectionsAsync(string? continuationToken = null, int pageSize = 100, CancellationToken cancellationToken = default) =>
        _cluster is { } cluster ? cluster.GetConnectionsAsync(continuationToken, pageSize, cancellationToken) :
        new(_tracker.Page(PresenceSet.Connections, null, continuationToken, pageSize));

    public ValueTask<HubPresencePage> GetUserConnectionsAsync(string userId, string? continuationToken = null, int pageSize = 100, CancellationToken cancellationToken = default) =>
        _cluster is { } cluster ? cluster.GetUserConnectionsAsync(userId, continuationToken, pageSize, cancellationToken) :
        new(_tracker.Page(PresenceSet.UserConnections, NotNull(userId), continuationToken, pageSize));

    public ValueTask<HubPresencePage> GetGroupConnectionsAsync(string groupName, string? continuationToken = null, int pageSize = 100, CancellationToken cancellationToken = default) =>
        _cluster is { } cluster ? cluster.GetGroupConnectionsAsync(groupName, continuationToken, pageSize, cancellationToken) :
        new(_tracker.Page(PresenceSet.GroupConnections, NotNull(groupName), continuationToken, pageSize));

    public ValueTask<HubPresencePage> GetUsersAsync(string? continuationToken = null, int pageSize = 100, CancellationToken cancellationToken = default) =>
        _cluster is { } cluster ? cluster.GetUsersAsync(continuationToken, pageSize, cancellationToken) :
        new(_tracker.Page(PresenceSet.Users, null, continuationToken, pageSize));

    public ValueTask<HubPresencePage> GetGroupUsersAsync(string groupName, string? continuationToken = null, int pageSize = 100, CancellationToken cancellationToken = default) =>
        _cluster is { } cluster ? cluster.GetGroupUsersAsync(groupName, continuationToken, pageSize, cancellationToken) :
        new(_tracker.Page(PresenceSet.GroupUsers, NotNull(groupName), continuationToken, pageSize));

    public ValueTask<HubPresencePage> GetConnectionGroupsAsync(string connectionId, string? continuationToken = null, int pageSize = 100, CancellationToken cancellationToken = default) =>
        _cluster is { } cluster ? cluster.GetConnectionGroupsAsync(connectionId, continuationToken, pageSize, cancellationToken) :
        new(_tracker.Page(PresenceSet.ConnectionGroups, NotNull(connectionId), continuationToken, pageSize));

    public ValueTask<HubPresencePage> GetUserGroupsAsync(string userId, string? continuationToken = null, int pageSize = 100, CancellationToken cancellationToken = default) =>
        _cluster is { } cluster ? cluster.GetUserGroupsAsync(userId, continuationToken, pageSize, cancellationToken) :
        new(_tracker.Page(PresenceSet.UserGroups, NotNull(userId), continuationToken, pageSize));

    public IAsyncEnumerable<HubPresenceEvent> WatchAsync(CancellationToken cancellationToken = default)
    {
        if (_cluster is { } cluster)
        {
            return cluster.WatchAsync(cancellationToken);
        }

        return PresenceEventStreams.Watch(this, cancellationToken);
    }

    public IDisposable Subscribe(Func<HubPresenceEvent, CancellationToken, Task> callback)
    {
        if (_cluster is { } cluster)
        {
            return cluster.Subscribe(callback);
        }

        return PresenceEventStreams.Subscribe(this, callback);
    }

    void IPresenceEventSource.AddSubscriber(ChannelWriter<HubPresenceEvent> writer) => _tracker.AddSubscriber(writer);

    void IPresenceEventSource.RemoveSubscriber(ChannelWriter<HubPresenceEvent> writer) => _tracker.RemoveSubscriber(writer);

    void IPresenceEventSource.OnCallbackFailed(HubPresenceEventKind kind, Exception exception) => PresenceCallbackFailed(_logger, kind, exception);

    private static string NotNull(string value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        return value;
    }

    [LoggerMessage(1, LogLevel.Error, "A presence callback failed on a {Kind} event.", EventName = "PresenceCallbackFailed")]
    private static partial void PresenceCallbackFailed(ILogger logger, HubPresenceEventKind kind, Exception exception);
}
