namespace SignalRLite;

/// <summary>One page of a presence list (<see cref="IHubPresence{THub}"/>), in ordinal order.</summary>
/// <param name="Items">The identifiers of this page.</param>
/// <param name="ContinuationToken">Pass it to get the next page; null on the last page.</param>
public sealed record HubPresencePage(IReadOnlyList<string> Items, string? ContinuationToken);
