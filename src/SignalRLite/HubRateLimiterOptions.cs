using System.Threading.RateLimiting;
using SignalRLite.Internal.RateLimiting;

namespace SignalRLite;

/// <summary>
/// Named hub rate limit policies (set with <c>AddSignalRLite().AddHubRateLimiter(o =&gt; ...)</c>), in the manner of
/// ASP.NET Core's rate limiter options, on the limiters of System.Threading.RateLimiting. A policy applies to the
/// invocations of hubs and methods marked <see cref="HubRateLimitAttribute"/>, or to every invocation when its name is
/// in <see cref="GlobalPolicies"/>. Without <c>AddHubRateLimiter</c> nothing is limited.
/// </summary>
public sealed class HubRateLimiterOptions
{
    internal Dictionary<string, HubRateLimitPolicyDefinition> Policies { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Policies applied to every invocation of every hub, before the method is looked up: calls to unknown methods and
    /// invocations whose arguments fail to bind count too.
    /// </summary>
    public IList<string> GlobalPolicies { get; } = new List<string>();

    /// <summary>Adds a policy limiting invocations per fixed window (its permits are invocations).</summary>
    public HubRateLimiterOptions AddFixedWindowLimiter(string policyName, HubRateLimitScope scope, Action<FixedWindowRateLimiterOptions> configureOptions, HubRateLimitAction onRejected = HubRateLimitAction.Error)
        => Add(policyName, scope, configureOptions, static (key, o) => RateLimitPartition.GetFixedWindowLimiter(key, _ => o), static o => o.QueueLimit, holdsLease: false, onRejected);

    /// <summary>Adds a policy limiting invocations per sliding window.</summary>
    public HubRateLimiterOptions AddSlidingWindowLimiter(string policyName, HubRateLimitScope scope, Action<SlidingWindowRateLimiterOptions> configureOptions, HubRateLimitAction onRejected = HubRateLimitAction.Error)
        => Add(policyName, scope, configureOptions, static (key, o) => RateLimitPartition.GetSlidingWindowLimiter(key, _ => o), static o => o.QueueLimit, holdsLease: false, onRejected);

    /// <summary>Adds a policy limiting invocations with a token bucket (one token per invocation).</summary>
    public HubRateLimiterOptions AddTokenBucketLimiter(string policyName, HubRateLimitScope scope, Action<TokenBucketRateLimiterOptions> configureOptions, HubRateLimitAction onRejected = HubRateLimitAction.Error)
        => Add(policyName, scope, configureOptions, static (key, o) => RateLimitPartition.GetTokenBucketLimiter(key, _ => o), static o => o.QueueLimit, holdsLease: false, onRejected);

    /// <summary>
    /// Adds a policy limiting the invocations running at once: an admitted invocation holds its permit until it
    /// completes (a server-to-client stream: until the stream ends).
    /// </summary>
    public HubRateLimiterOptions AddConcurrencyLimiter(string policyName, HubRateLimitScope scope, Action<ConcurrencyLimiterOptions> configureOptions, HubRateLimitAction onRejected = HubRateLimitAction.Error)
        => Add(policyName, scope, configureOptions, static (key, o) => RateLimitPartition.GetConcurrencyLimiter(key, _ => o), static o => o.QueueLimit, holdsLease: true, onRejected);

    /// <summary>
    /// Adds a policy with partitions of its own: <paramref name="partitioner"/> gives the partition (key and limiter) of
    /// an invocation. Its leases are held until the invocation completes, and acquired with waiting (the limiter's
    /// queue, if any).
    /// </summary>
    public HubRateLimiterOptions AddPolicy(string policyName, Func<HubInvocationRateLimitContext, RateLimitPartition<string>> partitioner, HubRateLimitAction onRejected = HubRateLimitAction.Error)
    {
        ArgumentNullException.ThrowIfNull(partitioner);
        return Add(policyName, new HubRateLimitPolicyDefinition(policyName, partitioner, QueueLimit: int.MaxValue, HoldsLease: true, onRejected));
    }

    /// <summary>A built-in policy: its limiter's options configured once, one partition per key of <paramref name="scope"/>.</summary>
    private HubRateLimiterOptions Add<TOptions>(
        string policyName,
        HubRateLimitScope scope,
        Action<TOptions> configureOptions,
        Func<string, TOptions, RateLimitPartition<string>> partition,
        Func<TOptions, int> queueLimit,
        bool holdsLease,
        HubRateLimitAction onRejected)
        where TOptions : new()
    {
        ArgumentNullException.ThrowIfNull(configureOptions);
        if (!Enum.IsDefined(scope))
        {
            throw new ArgumentOutOfRangeException(nameof(scope));
        }

        var options = new TOptions();
        configureOptions(options);
        return Add(policyName, new HubRateLimitPolicyDefinition(policyName, context => partition(HubRateLimitKeys.Of(scope, context), options), queueLimit(options), holdsLease, onRejected));
    }

    private HubRateLimiterOptions Add(string policyName, HubRateLimitPolicyDefinition definition)
    {
        ArgumentException.ThrowIfNullOrEmpty(policyName);
        if (!Enum.IsDefined(definition.OnRejected))
        {
            throw new ArgumentOutOfRangeException(nameof(definition.OnRejected));
        }

        if (!Policies.TryAdd(policyName, definition))
        {
            throw new ArgumentException($"A hub rate limit policy named '{policyName}' was already added.", nameof(policyName));
        }

        return this;
    }
}
