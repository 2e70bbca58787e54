namespace SignalRLite.Internal.Diagnostics;

/// <summary>
/// Sums of a counter per wall-clock second over the last few seconds, to answer "how many in the last complete second".
/// Not thread-safe: guarded by the lock of its owner (<see cref="DashboardAggregator"/>).
/// </summary>
internal sealed class RateWindow
{
    private const int Slots = 4;
    private readonly double[] _sums = new double[Slots];
    private readonly long[] _seconds = [-1, -1, -1, -1];

    public void Add(double value, long second)
    {
        var slot = (int)(second % Slots);
        if (_seconds[slot] != second)
        {
            _seconds[slot] = second;
            _sums[slot] = 0;
        }

        _sums[slot] += value;
    }

    /// <summary>The sum recorded during <paramref name="second"/>, or 0 if it is older than the window.</summary>
    public double SumAt(long second)
    {
        var slot = (int)(second % Slots);
        return _seconds[slot] == second ? _sums[slot] : 0;
    }

    /// <summary>The rate per second: the sum of the last complete second before <paramref name="now"/>.</summary>
    public double PerSecond(long now) => SumAt(now - 1);
}
