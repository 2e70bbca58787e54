using System.Diagnostics;
using LoadTest.Client;

namespace LoadTest.Soak;

/// <summary>
/// The measurements of the current minute of one kind of soak client, and the periodic loops that drive a mix: what
/// the WebSocket and the Long Polling/SSE clients share.
/// </summary>
internal sealed class SoakMinutes
{
    private readonly Lock _lock = new();
    private SoakMinute _minute = new();

    /// <summary>The measurements of the minute that just ended; a fresh minute starts.</summary>
    public SoakMinute Take()
    {
        lock (_lock)
        {
            var done = _minute;
            _minute = new SoakMinute();
            return done;
        }
    }

    /// <summary>One more send of the scenario in this minute.</summary>
    public void CountSent()
    {
        lock (_lock)
        {
            _minute.Sent++;
        }
    }

    /// <summary>A timed frame arrived: an echo's Completion or a broadcast's Invocation, sent at <paramref name="sentTimestamp"/>.</summary>
    public void Record(bool completion, long sentTimestamp)
    {
        var elapsed = Stopwatch.GetTimestamp() - sentTimestamp;
        // The histograms are lock-free; a frame that races the minute's end lands in either minute.
        var minute = Volatile.Read(ref _minute);
        (completion ? minute.Echo : minute.Delivery).RecordTicks(elapsed);
    }

    /// <summary>Runs <paramref name="tick"/> every <paramref name="period"/> until <paramref name="cancellationToken"/> fires.</summary>
    public static async Task EveryAsync(TimeSpan period, Func<Task> tick, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await tick();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}

/// <summary>What one minute of the soak measured on the client.</summary>
internal sealed class SoakMinute
{
    public Histogram Echo { get; } = new();

    public Histogram Delivery { get; } = new();

    public long Sent;
}
