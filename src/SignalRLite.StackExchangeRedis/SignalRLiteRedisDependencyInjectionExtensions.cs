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
}
