using SignalRLite.StackExchangeRedis.Internal;
using SignalRLite.StackExchangeRedis.Internal.Presence;

namespace SignalRLite.StackExchangeRedis;

// Cluster presence (docs/presence.md): off until AddHubPresence() enables it at MapHub. Then the registry tells a
// PresenceWriter of every change of this server, which keeps this server's share in Redis (with a heartbeat), and
// RedisPresence answers queries and delivers events for the whole cluster. Reached by the core through
// RedisClusterLifetimeManager (IClusterLifetimeManager<THub>, registered by AddStackExchangeRedis).
public partial class RedisHubLifetimeManager<THub>
{
    private readonly Lock _clusterLock = new(); // guards enabling presence and durable groups (once each)
    private RedisOptions _options = null!;
    private TimeProvider _time = TimeProvider.System;
    private PresenceWriter? _presenceWriter;
    private RedisPresence<THub>? _presence;

    /// <summary>See <see cref="IClusterLifetimeManager{THub}.EnablePresence"/>.</summary>
    internal IHubPresence<THub> EnablePresence()
    {
        lock (_clusterLock)
        {
            if (_presence is { } presence)
            {
                return presence;
            }

            var writer = new PresenceWriter(_bus, _options, typeof(THub).FullName!, _serverName, _time, _logger);
            writer.Start();

            // Attached after the writer's first heartbeat was queued: the connections already here (replayed by the
            // registry under its lock) are written after this server is registered.
            _registry.GetOrAttachObserver(() => writer);
            _presenceWriter = writer;
            return _presence = new RedisPresence<THub>(writer, _bus, _time, _logger);
        }
    }

    /// <summary>The option the manager was created with and its clock, kept for presence and durable groups.</summary>
    private void InitializeCluster(RedisOptions options, TimeProvider? time)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>After a local connection was registered: its presence written, then its durable groups joined.</summary>
    private async Task OnConnectedClusterAsync(HubConnectionContext connection)
    {
        if (_presenceWriter is { Ready.IsCompletedSuccessfully: true } writer)
        {
            // Read-your-writes: once OnConnectedAsync ran, a query on any server counts this connection. (Not while
            // presence has never reached Redis: the change stays queued, and the connection is not held up for it.)
            await writer.FlushAsync().ConfigureAwait(false);
        }

        if (_userGroupStore is not null && connection.UserIdentifier is { } user)
        {
            await JoinUserGroupsAsync(connection, user).ConfigureAwait(false);
        }
    }

    /// <summary>A local group change's subscription step, then its presence write (when presence is on).</summary>
    private Task AfterPresence(Task reconcile) =>
        _presenceWriter is { Ready.IsCompletedSuccessfully: true } writer ? Both(reconcile, writer.FlushAsync()) : reconcile;

    private static async Task Both(Task first, Task second)
    {
        await first.ConfigureAwait(false);
        await second.ConfigureAwait(false);
    }

    private void DisposeCluster()
    {
        // Before the bus: this server's entries leave Redis (with their events) while the connection is still open.
        _presenceWriter?.Dispose();
    }
}
