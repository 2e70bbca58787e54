using System.Reflection;
using System.Threading.RateLimiting;
using SignalRLite.Internal.Hubs;

namespace SignalRLite.Internal.RateLimiting;

/// <summary>The outcome of admitting an invocation: the policy that rejected it (null: admitted), and the leases it must hold until it completes.</summary>
internal readonly record struct HubRateLimitAdmission(HubRateLimitPolicy? Rejected, List<RateLimitLease>? Held);

/// <summary>
/// The rate limit policies of one hub, resolved once when its dispatcher is built: the global ones for invocations of
/// unknown methods, and per method the global ones followed by the hub's and the method's <see cref="HubRateLimitAttribute"/>s.
/// Exists only when some policy applies to the hub (the dispatcher does no rate limit work otherwise).
/// </summary>
/// <remarks>Immutable after construction.</remarks>
internal sealed class HubRateLimits
{
    private readonly string _hubName;
    private readonly HubRateLimitPolicy[] _global;
    private readonly Dictionary<HubMethodDescriptor, HubRateLimitPolicy[]> _byMethod;

    private HubRateLimits(string hubName, HubRateLimitPolicy[] global, Dictionary<HubMethodDescriptor, HubRateLimitPolicy[]> byMethod)
    {
        _hubName = hubName;
        _global = global;
        _byMethod = byMethod;
    }

    /// <summary>The hub's policies, or null when none applies. Throws when the hub names a policy that is not configured.</summary>
    public static HubRateLimits? Create(Type hubType, string hubName, HubMethodTable methods, HubRateLimiterRegistry? registry)
    {
        var hubPolicies = hubType.GetCustomAttributes<HubRateLimitAttribute>(inherit: true).Select(a => a.PolicyName).ToArray();
        var methodPolicies = methods.Methods.ToDictionary(
            m => m,
            m => m.Method.GetCustomAttributes<HubRateLimitAttribute>(inherit: true).Select(a => a.PolicyName).ToArray());
        if (registry is null)
        {
            // Fail closed: a [HubRateLimit] that silently limits nothing would be worse than an error at startup.
            var named = hubPolicies.Concat(methodPolicies.Values.SelectMany(p => p)).FirstOrDefault();
            return named is null
                ? null
                : throw new InvalidOperationException($"Hub '{hubName}' uses [HubRateLimit(\"{named}\")] but no hub rate limiter is configured (call AddSignalRLite().AddHubRateLimiter(...)).");
        }

        var global = registry.GlobalPolicies;
        var byMethod = new Dictionary<HubMethodDescriptor, HubRateLimitPolicy[]>();
        var any = global.Length > 0;
        foreach (var (descriptor, names) in methodPolicies)
        {
            var policies = new List<HubRateLimitPolicy>(global);
            foreach (var name in hubPolicies.Concat(names))
            {
                var policy = registry.Get(name, $"[HubRateLimit] of hub '{hubName}' (method '{descriptor.Name}')");
                if (!policies.Contains(policy))
                {
                    policies.Add(policy);
                }
            }

            any |= policies.Count > 0;
            byMethod[descriptor] = [.. policies];
        }

        return any ? new HubRateLimits(hubName, global, byMethod) : null;
    }

    /// <summary>
    /// Acquires a permit of every policy that applies to an invocation of <paramref name="descriptor"/> (null: a target
    /// the hub does not have), in order; stops at the first rejection (the leases taken so far are released). Completes
    /// synchronously unless a policy with a queue makes it wait; waiting ends with the connection.
    /// </summary>
    public ValueTask<HubRateLimitAdmission> AdmitAsync(HubConnectionContext connection, HubMethodDescriptor? descriptor)
    {
        var policies = descriptor is null ? _global : _byMethod.GetValueOrDefault(descriptor, _global);
        if (policies.Length == 0)
        {
            return default;
        }

        var context = new HubInvocationRateLimitContext(connection, _hubName, descriptor?.Name ?? HubInvocationRateLimitContext.UnknownMethod);
        List<RateLimitLease>? held = null;
        for (var i = 0; i < policies.Length; i++)
        {
            var policy = policies[i];
            if (policy.MayWait)
            {
                return AdmitWaitingAsync(policies, i, context, held, connection.ConnectionAborted);
            }

            if (!Accept(policy, policy.Limiter.AttemptAcquire(context), ref held))
            {
                return new(new HubRateLimitAdmission(policy, null));
            }
        }

        return new(new HubRateLimitAdmission(null, held));
    }

    private static async ValueTask<HubRateLimitAdmission> AdmitWaitingAsync(HubRateLimitPolicy[] policies, int from, HubInvocationRateLimitContext context, List<RateLimitLease>? held, CancellationToken cancellationToken)
    {
        try
        {
            for (var i = from; i < policies.Length; i++)
            {
                var policy = policies[i];
                var lease = policy.MayWait
                    ? await policy.Limiter.AcquireAsync(context, 1, cancellationToken).ConfigureAwait(false)
                    : policy.Limiter.AttemptAcquire(context);
                if (!Accept(policy, lease, ref held))
                {
                    return new HubRateLimitAdmission(policy, null);
                }
            }

            return new HubRateLimitAdmission(null, held);
        }
        catch
        {
            // The connection ended while waiting: nothing will run, so nothing holds these.
            if (held is not null)
            {
                HubRateLimitLeases.Dispose(held);
            }

            throw;
        }
    }

    /// <summary>Keeps or releases an acquired lease; on a rejection releases everything held so far and returns false.</summary>
    private static bool Accept(HubRateLimitPolicy policy, RateLimitLease lease, ref List<RateLimitLease>? held)
    {
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            if (held is not null)
            {
                HubRateLimitLeases.Dispose(held);
                held = null;
            }

            return false;
        }

        if (policy.HoldsLease)
        {
            (held ??= []).Add(lease);
        }
        else
        {
            // Window and bucket permits are spent when acquired: the lease carries nothing to give back.
            lease.Dispose();
        }

        return true;
    }
}
