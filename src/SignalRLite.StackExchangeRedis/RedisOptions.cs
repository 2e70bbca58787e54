using StackExchange.Redis;

namespace SignalRLite.StackExchangeRedis;

/// <summary>Options of <see cref="RedisHubLifetimeManager{THub}"/>.</summary>
public class RedisOptions
{
    /// <summary>
    /// The StackExchange.Redis configuration. <see cref="ConfigurationOptions.AbortOnConnectFail"/> is false by default, so a
    /// server starts while Redis is down and the connection keeps reconnecting. <see cref="ConfigurationOptions.ChannelPrefix"/>
    /// prefixes every channel, which lets several applications share one Redis.
    /// </summary>
    public ConfigurationOptions Configuration { get; set; } = new() { AbortOnConnectFail = false };

    /// <summary>
    /// Creates the Redis connection instead of <see cref="Configuration"/>; the argument is a log writer for the connection attempt.
    /// The returned connection is used as it is (its own configuration, including the channel prefix, applies).
    /// </summary>
    public Func<TextWriter, Task<IConnectionMultiplexer>>? ConnectionFactory { get; set; }

    /// <summary>
    /// With <c>AddHubPresence()</c>: how long a server's presence outlives its last heartbeat in Redis (30 s by default; at
    /// least 300 ms). Each server refreshes its own every third of this, so the connections of a server that died without
    /// a goodbye (kill -9, power loss) vanish from every query within this time, and their leave events follow within a
    /// third of it more (docs/presence.md).
    /// </summary>
    public TimeSpan PresenceExpiry { get; set; } = TimeSpan.FromSeconds(30);

    internal async Task<IConnectionMultiplexer> ConnectAsync(TextWriter log)
    {
        var factory = ConnectionFactory;
        if (factory is not null)
        {
            return await factory(log).ConfigureAwait(false);
        }

        if (Configuration.EndPoints.Count == 0)
        {
            Configuration.EndPoints.Add("localhost", 6379);
            Configuration.SetDefaultPorts();
        }

        return await ConnectionMultiplexer.ConnectAsync(Configuration, log).ConfigureAwait(false);
    }
}
