using System.Diagnostics;
using SignalRLite.Internal.Hubs;

namespace SignalRLite.Internal.Diagnostics;

/// <summary>A group of this server and how many of this server's connections are in it, as the dashboard shows it.</summary>
internal sealed record GroupSize(string Hub, string Group, int Connections);

/// <summary>
/// The hubs' local connection registries, so that the dashboard can read group sizes at snapshot time (once a second,
/// on the dashboard's request) instead of anything being counted per message or per join. One per application, owned
/// by <see cref="SignalRLiteMetrics"/>; a lifetime manager registers its registry when its first connection arrives.
/// </summary>
/// <remarks>
/// Invariants (under <c>_lock</c>): each registry is in <c>_registries</c> at most once (a second registration of the
/// same one is ignored). The lock guards only the list; the registries are read outside it, since they are
/// thread-safe on their own (<see cref="HubConnectionRegistry.LargestGroups"/> reads concurrent dictionaries).
/// </remarks>
internal sealed class HubGroupDirectory
{
    private readonly Lock _lock = new();
    private readonly List<(string Hub, HubConnectionRegistry Registry)> _registries = [];

    public void Register(string hub, HubConnectionRegistry registry)
    {
        lock (_lock)
        {
            foreach (var (_, known) in _registries)
            {
                if (ReferenceEquals(known, registry))
                {
                    return;
                }
            }

            _registries.Add((hub, registry));
            AssertInvariants();
        }
    }

    /// <summary>
    /// Per hub, its <paramref name="perHub"/> largest groups (largest first, then by name), and how many groups each
    /// hub has. Costs one pass over the groups of every registered hub.
    /// </summary>
    public (IReadOnlyList<GroupSize> Largest, IReadOnlyList<NamedCount> GroupsPerHub) Read(int perHub)
    {
        (string Hub, HubConnectionRegistry Registry)[] registries;
        lock (_lock)
        {
            registries = [.. _registries];
        }

        var largest = new List<GroupSize>();
        var counts = new List<NamedCount>();
        foreach (var (hub, registry) in registries.OrderBy(r => r.Hub, StringComparer.Ordinal))
        {
            var groups = registry.LargestGroups(perHub, out var total);
            counts.Add(new NamedCount(hub, total));
            foreach (var (group, members) in groups)
            {
                largest.Add(new GroupSize(hub, group, members));
            }
        }

        return (largest, counts);
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        Debug.Assert(_registries.Select(r => r.Registry).Distinct().Count() == _registries.Count, "a registry registered twice");
    }
}
