namespace SignalRLite.Internal.Presence;

/// <summary>Pages of a presence list: the members after a continuation token, smallest first in ordinal order.</summary>
internal static class PresencePaging
{
    /// <summary>
    /// The <paramref name="pageSize"/> smallest members greater than <paramref name="after"/>, and the token of the next
    /// page when more remain: O(n log pageSize), one pass with a bounded heap (no sort of the whole set).
    /// </summary>
    public static HubPresencePage Page(IEnumerable<string>? members, string? after, int pageSize)
    {
        if (members is null)
        {
            return new HubPresencePage([], null);
        }

        // A max-heap of the pageSize + 1 smallest candidates: the extra one tells whether another page follows.
        var heap = new PriorityQueue<string, string>(pageSize + 1, Comparer<string>.Create(static (a, b) => string.CompareOrdinal(b, a)));
        foreach (var member in members)
        {
            if (after is not null && string.CompareOrdinal(member, after) <= 0)
            {
                continue;
            }

            if (heap.Count <= pageSize)
            {
                heap.Enqueue(member, member);
            }
            else if (string.CompareOrdinal(member, heap.Peek()) < 0)
            {
                heap.EnqueueDequeue(member, member);
            }
        }

        var more = heap.Count > pageSize;
        if (more)
        {
            heap.Dequeue();
        }

        var items = new string[heap.Count];
        for (var i = items.Length - 1; i >= 0; i--)
        {
            items[i] = heap.Dequeue();
        }

        return new HubPresencePage(items, more ? items[^1] : null);
    }
}
