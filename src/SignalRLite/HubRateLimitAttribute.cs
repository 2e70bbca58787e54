namespace SignalRLite;

/// <summary>
/// Applies the named hub rate limit policy (configured with <c>AddHubRateLimiter</c>) to every invocation of a hub
/// method, or of every method of a hub. Several policies may apply: each must admit the invocation.
/// </summary>
/// <remarks>A hub that uses this attribute without <c>AddHubRateLimiter</c>, or names a policy that is not configured, fails at startup, when <c>MapHub</c> builds its dispatcher.</remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = true, Inherited = true)]
public sealed class HubRateLimitAttribute : Attribute
{
    /// <summary>Applies the policy named <paramref name="policyName"/>.</summary>
    public HubRateLimitAttribute(string policyName)
    {
        ArgumentException.ThrowIfNullOrEmpty(policyName);
        PolicyName = policyName;
    }

    /// <summary>The name of the policy, as given to <see cref="HubRateLimiterOptions"/>.</summary>
    public string PolicyName { get; }
}
