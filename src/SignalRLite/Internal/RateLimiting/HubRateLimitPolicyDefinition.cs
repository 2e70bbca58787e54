using System.Threading.RateLimiting;

namespace SignalRLite.Internal.RateLimiting;

/// <summary>
/// A configured policy before its limiter exists. <paramref name="QueueLimit"/> &gt; 0 means acquiring may wait (the
/// limiter queues); <paramref name="HoldsLease"/> means the lease is kept until the invocation completes.
/// </summary>
internal sealed record HubRateLimitPolicyDefinition(
    string Name,
    Func<HubInvocationRateLimitContext, RateLimitPartition<string>> Partitioner,
    int QueueLimit,
    bool HoldsLease,
    HubRateLimitAction OnRejected);
