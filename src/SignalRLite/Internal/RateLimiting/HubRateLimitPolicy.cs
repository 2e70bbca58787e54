using System.Threading.RateLimiting;

namespace SignalRLite.Internal.RateLimiting;

/// <summary>A configured policy with its partitioned limiter, created once per app (<see cref="HubRateLimiterRegistry"/>).</summary>
internal sealed class HubRateLimitPolicy
{
    public HubRateLimitPolicy(HubRateLimitPolicyDefinition definition)
    {
        Name = definition.Name;
        Action = definition.OnRejected;
        HoldsLease = definition.HoldsLease;
        MayWait = definition.QueueLimit > 0;
        // Idle partitions (all permits available for a while) are disposed and dropped by the runtime's partitioned
        // limiter (RateLimiter.IdleDuration), so per-connection partitions do not accumulate (docs/security.md).
        Limiter = PartitionedRateLimiter.Create(definition.Partitioner, StringComparer.Ordinal);
    }

    public string Name { get; }

    public HubRateLimitAction Action { get; }

    /// <summary>Whether the lease is kept until the invocation completes (concurrency and custom policies).</summary>
    public bool HoldsLease { get; }

    /// <summary>Whether acquiring may wait in the limiter's queue (QueueLimit &gt; 0): acquired with AcquireAsync, else AttemptAcquire.</summary>
    public bool MayWait { get; }

    public PartitionedRateLimiter<HubInvocationRateLimitContext> Limiter { get; }

    /// <summary>The <c>signalrlite.rate_limit.action</c> attribute.</summary>
    public string ActionName => Action switch
    {
        HubRateLimitAction.Drop => "drop",
        HubRateLimitAction.Close => "close",
        _ => "error",
    };
}
