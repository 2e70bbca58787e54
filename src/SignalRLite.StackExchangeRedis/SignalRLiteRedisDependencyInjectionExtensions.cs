using Microsoft.Extensions.DependencyInjection.Extensions;
using SignalRLite;
using SignalRLite.StackExchangeRedis;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the Redis backplane to the builder returned by <c>AddSignalRLite()</c>.</summary>
public static class SignalRLiteRedisDependencyInjectionExtensions
{
    /// <summary>Adds scale-out through a shared Redis server (configured with <see cref="RedisOptions"/> elsewhere, or localhost:6379).</summary>
    public static ISignalRServerBuilder AddStackExchangeRedis(this ISignalRServerBuilder signalrBuilder) =>
        AddStackExchangeRedis(signalrBuilder, static _ => { });

    /// <summary>Adds scale-out through a shared Redis server.</summary>
    public static ISignalRServerBuilder AddStackExchangeRedis(this ISignalRServerBuilder signalrBuilder, Action<RedisOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(signalrBuilder);
        ArgumentNullException.ThrowIfNull(configure);
        signalrBuilder.Services.Configure(configure);
        signalrBuilder.Services.Replace(ServiceDescriptor.Singleton(typeof(HubLifetimeManager<>), typeof(RedisHubLifetimeManager<>)));
        signalrBuilder.Services.TryAddSingleton(typeof(IClusterLifetimeManager<>), typeof(SignalRLite.StackExchangeRedis.Internal.Presence.RedisClusterLifetimeManager<>));
        AddRedisUserGroupStore(signalrBuilder.Services);
        signalrBuilder.Services.Replace(ServiceDescriptor.Singleton(typeof(IHubAdmin<>), typeof(SignalRLite.StackExchangeRedis.Internal.RedisHubAdmin<>)));
        return signalrBuilder;
    }

    /// <summary>Adds scale-out through the Redis server given by a StackExchange.Redis configuration string (for example <c>127.0.0.1:6379</c>).</summary>
    public static ISignalRServerBuilder AddStackExchangeRedis(this ISignalRServerBuilder signalrBuilder, string redisConnectionString) =>
        AddStackExchangeRedis(signalrBuilder, redisConnectionString, static _ => { });

    /// <summary>Adds scale-out through the Redis server given by a configuration string, then applies <paramref name="configure"/>.</summary>
    public static ISignalRServerBuilder AddStackExchangeRedis(this ISignalRServerBuilder signalrBuilder, string redisConnectionString, Action<RedisOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(redisConnectionString);
        ArgumentNullException.ThrowIfNull(configure);
        return AddStackExchangeRedis(signalrBuilder, options =>
        {
            // As parsed, as the official package does: without "abortConnect=false" in the string, StackExchange.Redis
            // gives up on a first connect that fails (AbortOnConnectFail defaults to true there).
            options.Configuration = ConfigurationOptions.Parse(redisConnectionString);

            configure(options);
        });
    }

    // Durable groups (AddDurableGroups()) keep their memberships in Redis, shared by every server: unless the application
    // registered a store of its own. The core's default in-memory store (registered when AddDurableGroups() came first)
    // is replaced; an application's store is not.
    private static void AddRedisUserGroupStore(IServiceCollection services)
    {
        var existing = services.LastOrDefault(d => d.ServiceType == typeof(IUserGroupStore));
        if (existing is not null && existing.ImplementationType?.Assembly == typeof(IUserGroupStore).Assembly)
        {
            services.Remove(existing);
            existing = null;
        }

        if (existing is null)
        {
            services.AddSingleton<IUserGroupStore, SignalRLite.StackExchangeRedis.Internal.Presence.RedisUserGroupStore>();
        }
    }
}
