using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace SignalRLite.StackExchangeRedis.Internal.Presence;

/// <summary>
/// The <see cref="IUserGroupStore"/> the Redis backplane registers: each user's memberships of a hub are one sorted set
/// in Redis (<c>signalrlite:usergroups:{hub}:{user}</c>, under the channel prefix), the score being the expiry in ms
/// since the epoch (+inf for none), so they outlive every server (and Redis restarts too, when Redis persists its data).
/// Expired memberships are dropped when read. Thread-safe: every operation is one Redis command or script.
/// </summary>
internal sealed class RedisUserGroupStore : IUserGroupStore, IDisposable
{
    // Drops what has expired, then lists the rest: one round trip.
    private const string GetScript = """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
        return redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
        """;

    private readonly RedisOptions _options;
    private readonly TimeProvider _time;
    private readonly Lazy<Task<(IConnectionMultiplexer Redis, string Prefix)>> _connection;

    public RedisUserGroupStore(IOptions<RedisOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        _connection = new(ConnectAsync);
    }

    public async ValueTask<bool> AddAsync(string hubName, string userId, string groupName, DateTimeOffset? expires, CancellationToken cancellationToken = default)
    {
        var (db, key) = await KeyAsync(hubName, userId).ConfigureAwait(false);
        var score = expires is { } e ? e.ToUnixTimeMilliseconds() : double.PositiveInfinity;

        // ZADD answers 1 for a new member; an existing one gets the new expiry (the latest add decides).
        return await db.SortedSetAddAsync(key, groupName, score).ConfigureAwait(false);
    }

    public async ValueTask<bool> RemoveAsync(string hubName, string userId, string groupName, CancellationToken cancellationToken = default)
    {
        var (db, key) = await KeyAsync(hubName, userId).ConfigureAwait(false);
        return await db.SortedSetRemoveAsync(key, groupName).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyCollection<string>> GetGroupsAsync(string hubName, string userId, CancellationToken cancellationToken = default) =>
        [.. (await GetMembershipsAsync(hubName, userId).ConfigureAwait(false)).Select(m => m.Group)];

    /// <summary>The user's memberships of the hub with their expiry (null: none), expired ones dropped: one round trip.</summary>
    public async Task<IReadOnlyList<(string Group, DateTimeOffset? Expires)>> GetMembershipsAsync(string hubName, string userId)
    {
        var (db, key) = await KeyAsync(hubName, userId).ConfigureAwait(false);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var result = (RedisResult[])(await db.ScriptEvaluateAsync(GetScript, [key], [now]).ConfigureAwait(false))!;
        var memberships = new (string, DateTimeOffset?)[result.Length / 2];
        for (var i = 0; i < memberships.Length; i++)
        {
            var score = (double)result[(2 * i) + 1];
            memberships[i] = ((string)result[2 * i]!, double.IsPositiveInfinity(score) ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)score));
        }

        return memberships;
    }

    /// <summary>Closes the store's Redis connection unless it came from <see cref="RedisOptions.ConnectionFactory"/>.</summary>
    public void Dispose()
    {
        if (_options.ConnectionFactory is null && _connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully)
        {
            _connection.Value.Result.Redis.Dispose();
        }
    }

    private async Task<(IDatabase, RedisKey)> KeyAsync(string hubName, string userId)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(hubName);
        var (redis, prefix) = await _connection.Value.ConfigureAwait(false);
        return (redis.GetDatabase(), prefix + "signalrlite:usergroups:{" + hubName + "}:" + userId);
    }

    private async Task<(IConnectionMultiplexer, string)> ConnectAsync()
    {
        using var log = new StringWriter();
        var redis = await _options.ConnectAsync(log).ConfigureAwait(false);
        var prefix = ConfigurationOptions.Parse(redis.Configuration).ChannelPrefix.ToString();
        if (string.IsNullOrEmpty(prefix) && _options.ConnectionFactory is null)
        {
            prefix = _options.Configuration.ChannelPrefix.ToString();
        }

        return (redis, prefix);
    }
}
