namespace SignalRLite.Internal.Diagnostics;

/// <summary>
/// The most recent <see cref="Capacity"/> values of a histogram (a ring), for percentiles of recent behaviour with
/// bounded memory. Not thread-safe: guarded by the lock of its owner (<see cref="DashboardAggregator"/>).
/// </summary>
internal sealed class LatencyReservoir
{
    public const int Capacity = 512;

    private readonly double[] _values = new double[Capacity];
    private int _next;
    private int _count;

    public int Count => _count;

    public void Add(double value)
    {
        _values[_next] = value;
        _next = (_next + 1) % Capacity;
        if (_count < Capacity)
        {
            _count++;
        }
    }

    public void CopyTo(List<double> destination)
    {
        for (var i = 0; i < _count; i++)
        {
            destination.Add(_values[i]);
        }
    }

    /// <summary>Nearest-rank percentile of sorted values (<paramref name="p"/> in (0, 1]); null when there are none.</summary>
    public static double? Percentile(List<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return null;
        }

        var rank = (int)Math.Ceiling(p * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
