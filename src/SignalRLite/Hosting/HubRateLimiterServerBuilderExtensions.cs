using Microsoft.Extensions.DependencyInjection.Extensions;
using SignalRLite;
using SignalRLite.Internal.RateLimiting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Hub rate limiting on the builder returned by <c>AddSignalRLite()</c> (docs/security.md, "Rate limiting").</summary>
public static class HubRateLimiterServerBuilderExtensions
{
    /// <summary>
    /// Switches hub rate limiting on and configures its policies (applied with <see cref="HubRateLimitAttribute"/> or
    /// <see cref="HubRateLimiterOptions.GlobalPolicies"/>). May be called more than once; the configurations add up.
    /// </summary>
    public static ISignalRServerBuilder AddHubRateLimiter(this ISignalRServerBuilder signalrBuilder, Action<HubRateLimiterOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(signalrBuilder);
        ArgumentNullException.ThrowIfNull(configure);
        signalrBuilder.Services.TryAddSingleton<HubRateLimiterRegistry>();
        signalrBuilder.Services.Configure(configure);
        return signalrBuilder;
    }
}
