using Microsoft.Extensions.Options;

namespace SignalRLite.Internal.RateLimiting;

/// <summary>
/// The app's hub rate limit policies with their limiters, created once from <see cref="HubRateLimiterOptions"/> and
/// disposed with the app (a singleton registered by <c>AddHubRateLimiter</c>; without it none exists and hubs do no
/// rate limit work at all).
/// </summary>
/// <remarks>Immutable after construction; the limiters are thread-safe.</remarks>
internal sealed class HubRateLimiterRegistry : IDisposable
{
    private readonly Dictionary<string, HubRateLimitPolicy> _policies;

    public HubRateLimiterRegistry(IOptions<HubRateLimiterOptions> options)
    {
        var value = options.Value;
        _policies = new Dictionary<string, HubRateLimitPolicy>(StringComparer.Ordinal);
        foreach (var (name, definition) in value.Policies)
        {
            _policies.Add(name, new HubRateLimitPolicy(definition));
        }

        var global = new List<HubRateLimitPolicy>();
        foreach (var name in value.GlobalPolicies)
        {
            var policy = Get(name, "HubRateLimiterOptions.GlobalPolicies");
            if (!global.Contains(policy))
            {
                global.Add(policy);
            }
        }

        GlobalPolicies = [.. global];
    }

    /// <summary>Policies applied to every invocation of every hub.</summary>
    public HubRateLimitPolicy[] GlobalPolicies { get; }

    /// <summary>The policy named <paramref name="name"/>; throws naming <paramref name="user"/> when there is none.</summary>
    public HubRateLimitPolicy Get(string name, string user) =>
        _policies.TryGetValue(name, out var policy)
            ? policy
            : throw new InvalidOperationException($"{user} names the hub rate limit policy '{name}', which is not configured (AddHubRateLimiter).");

    public void Dispose()
    {
        foreach (var policy in _policies.Values)
        {
            policy.Limiter.Dispose();
        }
    }
}
