using System.Diagnostics;

namespace LoadTest.Client;

/// <summary>Lock-free latency histogram: log-linear buckets (16 per power of two) over microseconds.</summary>
internal sealed class Histogram
{
    private const int SubBuckets = 16;
    private readonly long[] _counts = new long[64 * SubBuckets];

    public void RecordTicks(long ticks)
    {
        var us = ticks * 1_000_000 / Stopwatch.Frequency;
        Interlocked.Increment(ref _counts[Index(Math.Max(0, us))]);
    }

    public void Reset() => Array.Clear(_counts);

    public long Total
    {
        get
        {
            long total = 0;
            foreach (var c in _counts)
            {
                total += c;
            }

            return total;
        }
    }

    /// <summary>Upper bound of the bucket holding the quantile, in microseconds.</summary>
    public double Quantile(double q) => Quantile(q, Total);

    /// <summary>
    /// The quantile out of <paramref name="expected"/> samples, of which those never recorded count as infinitely
    /// late: +infinity when the recorded ones do not reach it.
    /// </summary>
    public double Quantile(double q, long expected)
    {
        var total = expected;
        if (total == 0)
        {
            return double.NaN;
        }

        var target = (long)Math.Ceiling(total * q);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= target)
            {
                return UpperBound(i);
            }
        }

        return expected > Total ? double.PositiveInfinity : UpperBound(_counts.Length - 1);
    }

    private static int Index(long us)
    {
        if (us < SubBuckets)
        {
            return (int)us;
        }

        var log = 63 - (int)long.LeadingZeroCount(us); // >= 4
        var shift = log - 4;
        var sub = (int)((us >> shift) & (SubBuckets - 1));
        return ((shift + 1) * SubBuckets) + sub;
    }

    private static double UpperBound(int index)
    {
        if (index < SubBuckets)
        {
            return index + 1;
        }

        var shift = (index / SubBuckets) - 1;
        var sub = index % SubBuckets;
        return (double)((SubBuckets + sub + 1L) << shift);
    }
}
