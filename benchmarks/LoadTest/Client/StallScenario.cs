using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace LoadTest.Client;

/// <summary>
/// broadcast-stall: does one receiver that stopped reading slow delivery to the others? Two phases on the same host,
/// each with fresh connections: baseline (N receivers + sender) and stalled (the same plus one receiver with a tiny
/// socket receive buffer that completes the handshake and never reads again). Before the window of each phase, a
/// burst of large broadcasts fills the stalled receiver's server-side buffers. In both phases the sender broadcasts at one fixed rate (open loop).
/// </summary>
internal static partial class ClientAgent
{
    private const int SentAtRing = 1 << 16;

    /// <summary>For the stalled receiver: the socket's receive buffer is set before connecting, so the TCP window stays tiny.</summary>
    private static readonly HttpMessageInvoker TinyReceiveBufferInvoker = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 4096 };
            try
            {
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    });

    /// <summary>Healthy receivers: records the latency of the broadcasts scheduled in the window; counts the fill burst.</summary>
    private sealed class StallReceiverSink(Histogram histogram) : IFrameSink
    {
        /// <summary>Scheduled send time (Stopwatch ticks) of the window's first broadcast; later stamps are recorded.</summary>
        public long WindowStart = long.MaxValue;

        /// <summary>Deliveries of unstamped broadcasts (the fill burst).</summary>
        public long Fill;

        /// <summary>When the last fill delivery arrived (any receiver), and the longest gap between two (Stopwatch ticks).</summary>
        public long LastFill;
        public long LongestFillGap;

        public bool OnFrame(Conn conn, ReadOnlySpan<byte> frame)
        {
            if (Frames.MessageType(conn.Binary, frame) != 1)
            {
                return false;
            }

            var stamp = Frames.ReadStamp(frame);
            if (stamp < 0)
            {
                Interlocked.Increment(ref Fill);
                var now = Stopwatch.GetTimestamp();
                NoteFillGap(now - Interlocked.Exchange(ref LastFill, now));
            }
            else if (stamp >= Volatile.Read(ref WindowStart))
            {
                histogram.RecordTicks(Stopwatch.GetTimestamp() - stamp);
            }

            return false;
        }

        public void NoteFillGap(long gap)
        {
            var longest = Volatile.Read(ref LongestFillGap);
            while (gap > longest)
            {
                var seen = Interlocked.CompareExchange(ref LongestFillGap, gap, longest);
                if (seen == longest)
                {
                    return;
                }

                longest = seen;
            }
        }

        public ValueTask AfterResponsesAsync(Conn conn, int responses) => ValueTask.CompletedTask;
    }

    /// <summary>The sender: records the Broadcast completion latency (raw host: of its own copy) of the window's broadcasts.</summary>
    private sealed class StallSenderSink(bool raw, Histogram histogram) : IFrameSink
    {
        /// <summary>Scheduled send time per invocation ID (ring).</summary>
        public readonly long[] ScheduledAt = new long[SentAtRing];

        public long FirstWindowId = long.MaxValue;

        public long WindowStart = long.MaxValue;

        public bool OnFrame(Conn conn, ReadOnlySpan<byte> frame)
        {
            var type = Frames.MessageType(conn.Binary, frame);
            if (raw && type == 1)
            {
                var stamp = Frames.ReadStamp(frame);
                if (stamp >= 0 && stamp >= Volatile.Read(ref WindowStart))
                {
                    histogram.RecordTicks(Stopwatch.GetTimestamp() - stamp);
                }
            }
            else if (!raw && type == 3)
            {
                var id = ReadInvocationId(frame);
                if (id >= Volatile.Read(ref FirstWindowId))
                {
                    histogram.RecordTicks(Stopwatch.GetTimestamp() - ScheduledAt[id % SentAtRing]);
                }
            }

            return false;
        }

        public ValueTask AfterResponsesAsync(Conn conn, int responses) => ValueTask.CompletedTask;

        /// <summary>The invocation ID of a JSON Completion (the client's IDs are decimal), or -1.</summary>
        private static long ReadInvocationId(ReadOnlySpan<byte> frame)
        {
            var key = "\"invocationId\":\""u8;
            var at = frame.IndexOf(key);
            if (at < 0)
            {
                return -1;
            }

            long id = 0;
            foreach (var b in frame[(at + key.Length)..])
            {
                if (b == '"')
                {
                    return id;
                }

                if (b is < (byte)'0' or > (byte)'9')
                {
                    return -1;
                }

                id = (id * 10) + (b - '0');
            }

            return -1;
        }
    }

    /// <summary>Counts what the stalled receiver finally reads after the phase.</summary>
    private sealed class CountingSink : IFrameSink
    {
        public long Count;

        public bool OnFrame(Conn conn, ReadOnlySpan<byte> frame)
        {
            Volatile.Write(ref Count, Count + 1);
            return false;
        }

        public ValueTask AfterResponsesAsync(Conn conn, int responses) => ValueTask.CompletedTask;
    }

    /// <summary>
    /// The sender's sends, which the server may stop taking (TCP back-pressure): a send that does not complete in
    /// time is left pending (ClientWebSocket allows one at a time) and the next one first waits for it.
    /// </summary>
    private sealed class SendGate(Conn conn)
    {
        private Task? _pending;

        /// <summary>Why the last send failed (the connection broke), rather than just not completing in time.</summary>
        public string? Failure { get; private set; }

        /// <summary>Waits for the previous send; false when it is still pending after <paramref name="timeout"/> or failed.</summary>
        public async Task<bool> ReadyAsync(TimeSpan timeout)
        {
            if (_pending is null || _pending.IsCompletedSuccessfully)
            {
                return true;
            }

            try
            {
                await _pending.WaitAsync(timeout > TimeSpan.Zero ? timeout : TimeSpan.Zero);
                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
            catch (Exception ex)
            {
                Failure = ex.GetType().Name + ": " + ex.Message;
                return false;
            }
        }

        /// <summary>Sends (call <see cref="ReadyAsync"/> first); false when the send did not complete in time.</summary>
        public Task<bool> SendAsync(byte[] frame, TimeSpan timeout)
        {
            var send = conn.SendAsync(frame);
            if (send.IsCompletedSuccessfully)
            {
                return Task.FromResult(true);
            }

            _pending = send.AsTask();
            return ReadyAsync(timeout);
        }
    }

    private sealed class StallPhase
    {
        public double P50Us = double.NaN;
        public double P99Us = double.NaN;
        public double DeliveryRate;
        public double SenderRate;
        public double SenderP99Us = double.NaN;
        public double FillPauseMs = double.NaN;
        public string Note = "";
    }

    private static async Task<ScenarioResult> BroadcastStallAsync(ScenarioSpec spec)
    {
        if (spec.Protocol != "json")
        {
            throw new ArgumentException("broadcast-stall is JSON only.");
        }

        var setup = Stopwatch.StartNew();

        // Unmeasured, small: without it the first phase pays for paths (large messages, new connections) the host's
        // warm-up did not run, which biased the baseline high.
        var warm = Json.Deserialize<ScenarioSpec>(Json.Serialize(spec));
        warm.Connections = 20;
        warm.FillMessages = 30;
        warm.WarmupSeconds = 0.1;
        warm.MeasureSeconds = 0.1;
        await StallPhaseAsync(warm, stalled: false, lastPhase: false);

        var baseline = await StallPhaseAsync(spec, stalled: false, lastPhase: false);
        var stalled = await StallPhaseAsync(spec, stalled: true, lastPhase: true);
        var rate = spec.Rates.Length > 0 ? spec.Rates[0] : 500;
        return new ScenarioResult
        {
            Count = (long)(stalled.DeliveryRate * spec.MeasureSeconds),
            Seconds = spec.MeasureSeconds,
            Rate = stalled.DeliveryRate,
            P50Us = stalled.P50Us,
            P99Us = stalled.P99Us,
            SenderRate = stalled.SenderRate,
            SenderP99Us = stalled.SenderP99Us,
            BaselineP50Us = baseline.P50Us,
            BaselineP99Us = baseline.P99Us,
            BaselineRate = baseline.DeliveryRate,
            BaselineSenderRate = baseline.SenderRate,
            BaselineSenderP99Us = baseline.SenderP99Us,
            FillPauseMs = stalled.FillPauseMs,
            BaselineFillPauseMs = baseline.FillPauseMs,
            SetupSeconds = setup.Elapsed.TotalSeconds,
            Note = string.Create(CultureInfo.InvariantCulture, $"target {rate:F0} broadcasts/s; baseline: {baseline.Note}; stalled: {stalled.Note}"),
        };
    }

    private static async Task<StallPhase> StallPhaseAsync(ScenarioSpec spec, bool stalled, bool lastPhase)
    {
        var receivers = spec.Connections;
        var rate = spec.Rates.Length > 0 ? spec.Rates[0] : 500;
        var histogram = new Histogram();
        var senderHistogram = new Histogram();
        var receiverSink = new StallReceiverSink(histogram);
        var senderSink = new StallSenderSink(spec.Raw, senderHistogram);
        var phase = new StallPhase();
        var notes = new List<string>();

        var conns = await OpenAsync(spec, receivers + 1, binary: false);
        var sender = conns[receivers];
        var receiverConns = conns.GetRange(0, receivers);
        Conn? slow = null;
        var gate = new SendGate(sender);
        try
        {
            foreach (var c in receiverConns)
            {
                c.Sink = receiverSink;
                c.StartReceiving();
            }

            sender.Sink = senderSink;
            sender.StartReceiving();
            if (stalled)
            {
                // Never read after the handshake (until the phase is over).
                slow = await Conn.ConnectAsync(HubUri(spec, receivers + 1), binary: false, receivers + 1, TinyReceiveBufferInvoker, CancellationToken.None);
            }

            // Both phases get the fill burst, so that they differ only by the stalled receiver.
            var (fillNote, pauseMs) = await FillAsync(spec, gate, receiverSink, receivers);
            notes.Add(fillNote);
            phase.FillPauseMs = pauseMs;

            // Let the server and client digest the burst, the same in both phases.
            await Task.Delay(300);

            // Open loop: broadcast i is scheduled at t0 + i / rate; its timestamp is the scheduled time, so a sender
            // held back by the server counts against the latency. The window covers the broadcasts scheduled in it.
            var frame = Frames.Invocation(false, Frames.IdSlot, "Broadcast", Frames.Payload(Math.Max(spec.PayloadBytes, 24), timestamped: true));
            var stampAt = frame.AsSpan().IndexOf(Frames.Marker);
            var idAt = Frames.FindIdSlot(frame);
            var frequency = (double)Stopwatch.Frequency;
            var t0 = Stopwatch.GetTimestamp();
            var windowStart = t0 + (long)(spec.WarmupSeconds * frequency);
            var end = windowStart + (long)(spec.MeasureSeconds * frequency);
            var firstInWindow = (long)Math.Ceiling(spec.WarmupSeconds * rate);
            var scheduledInWindow = (long)Math.Ceiling((spec.WarmupSeconds + spec.MeasureSeconds) * rate) - firstInWindow;
            long sent = 0;
            long sentInWindow = 0;
            long id = 0;
            var blocked = false;
            Volatile.Write(ref receiverSink.WindowStart, t0 + (long)(firstInWindow / rate * frequency));
            Volatile.Write(ref senderSink.WindowStart, t0 + (long)(firstInWindow / rate * frequency));
            while (!blocked && sent < firstInWindow + scheduledInWindow)
            {
                var due = Math.Min((long)((Stopwatch.GetTimestamp() - t0) / frequency * rate) + 1, firstInWindow + scheduledInWindow);
                while (sent < due)
                {
                    // The server stopped reading the sender: give up a second after the window's end.
                    var left = TimeSpan.FromSeconds(((end - Stopwatch.GetTimestamp()) / frequency) + 1);
                    if (!await gate.ReadyAsync(left))
                    {
                        blocked = true;
                        break;
                    }

                    var scheduled = t0 + (long)(sent / rate * frequency);
                    id++;
                    if (sent == firstInWindow)
                    {
                        Volatile.Write(ref senderSink.FirstWindowId, id);
                    }

                    senderSink.ScheduledAt[id % SentAtRing] = scheduled;
                    Frames.PatchId(frame, idAt, id);
                    Frames.Stamp(frame, stampAt, scheduled);
                    var completed = await gate.SendAsync(frame, left);
                    if (sent >= firstInWindow)
                    {
                        sentInWindow++;
                    }

                    sent++;
                    if (!completed)
                    {
                        blocked = true;
                        break;
                    }
                }

                await Task.Delay(1);
            }

            if (blocked)
            {
                notes.Add(gate.Failure is { } failure
                    ? $"sender failed after {sent} of {firstInWindow + scheduledInWindow} broadcasts ({failure})"
                    : $"sender blocked (the server stopped reading it) after {sent} of {firstInWindow + scheduledInWindow} broadcasts");
            }

            // Drain: until every delivery and completion arrived, or nothing arrives for 300 ms (at most 2 s).
            var expected = scheduledInWindow * receivers;
            var drainStart = Stopwatch.GetTimestamp();
            var last = histogram.Total + senderHistogram.Total;
            var lastProgress = drainStart;
            while ((histogram.Total < expected || senderHistogram.Total < scheduledInWindow)
                && Stopwatch.GetElapsedTime(drainStart).TotalSeconds < 2
                && Stopwatch.GetElapsedTime(lastProgress).TotalMilliseconds < 300)
            {
                await Task.Delay(20);
                var now = histogram.Total + senderHistogram.Total;
                if (now != last)
                {
                    last = now;
                    lastProgress = Stopwatch.GetTimestamp();
                }
            }

            var delivered = histogram.Total;
            phase.P50Us = histogram.Quantile(0.5, expected);
            phase.P99Us = histogram.Quantile(0.99, expected);
            phase.DeliveryRate = delivered / spec.MeasureSeconds;
            phase.SenderRate = sentInWindow / spec.MeasureSeconds;
            phase.SenderP99Us = senderHistogram.Quantile(0.99, scheduledInWindow);
            notes.Insert(0, string.Create(CultureInfo.InvariantCulture,
                $"sent {sentInWindow}/{scheduledInWindow} in the window, delivered {delivered}/{expected} ({(expected > 0 ? delivered / (double)expected : 0):P1}), p99 {Ms(phase.P99Us)}, sender completions {senderHistogram.Total}/{scheduledInWindow} p99 {Ms(phase.SenderP99Us)}"));

            var closedReceivers = receiverConns.Count(c => c.ReceiveLoop is { IsCompleted: true });
            if (closedReceivers > 0)
            {
                notes.Add($"{closedReceivers} healthy receivers closed by the server");
            }

            if (sender.ReceiveLoop is { IsCompleted: true })
            {
                notes.Add("sender closed by the server");
            }

            if (slow is not null)
            {
                notes.Add(await DrainStalledAsync(slow));
            }
        }
        finally
        {
            IEnumerable<Conn> all = slow is null ? conns : [.. conns, slow];
            if (lastPhase)
            {
                await CloseAsync(all);
            }
            else
            {
                // The next phase opens new connections; only the next scenario needs the server to have dropped these.
                foreach (var c in all)
                {
                    c.Abort();
                }
            }
        }

        phase.Note = string.Join(", ", notes);
        return phase;
    }

    /// <summary>Broadcasts the fill burst, then waits until the healthy receivers have it (or it stops coming).</summary>
    private static async Task<(string Note, double PauseMs)> FillAsync(ScenarioSpec spec, SendGate sender, StallReceiverSink receiverSink, int receivers)
    {
        var fill = Frames.Invocation(false, null, "Broadcast", Frames.Payload(spec.FillBytes, timestamped: false));
        var started = Stopwatch.GetTimestamp();
        Interlocked.Exchange(ref receiverSink.LastFill, started);
        var sent = 0;
        var stuck = false;
        while (sent < spec.FillMessages && !stuck)
        {
            sent++;
            stuck = !await sender.SendAsync(fill, TimeSpan.FromSeconds(2));
        }

        // Waits out a pause longer than a server's stall detection (SignalRLite: 1 s), so that the window measures a
        // receiver that is stalled already, not the moment it stalls (that pause is reported from the fill).
        var expected = (long)sent * receivers;
        var last = Interlocked.Read(ref receiverSink.Fill);
        var lastProgress = Stopwatch.GetTimestamp();
        while (last < expected && Stopwatch.GetElapsedTime(started).TotalSeconds < 5 && Stopwatch.GetElapsedTime(lastProgress).TotalMilliseconds < 1100)
        {
            await Task.Delay(20);
            var now = Interlocked.Read(ref receiverSink.Fill);
            if (now != last)
            {
                last = now;
                lastProgress = Stopwatch.GetTimestamp();
            }
        }

        if (last < expected)
        {
            // Still missing: the pause lasts at least until now.
            receiverSink.NoteFillGap(Stopwatch.GetTimestamp() - Interlocked.Read(ref receiverSink.LastFill));
        }

        var pause = Interlocked.Read(ref receiverSink.LongestFillGap) * 1000.0 / Stopwatch.Frequency;
        var blocked = stuck ? sender.Failure is { } failure ? $" (sender failed: {failure})" : " (sender blocked)" : "";
        return (string.Create(CultureInfo.InvariantCulture,
            $"fill {sent}/{spec.FillMessages} x {spec.FillBytes / 1024} KB sent{blocked}, {last}/{expected} delivered to the healthy receivers in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s, longest pause {pause:F0} ms{(last < expected ? " (not over)" : "")}"), last < expected ? double.PositiveInfinity : pause);
    }

    /// <summary>After the window: reads the stalled receiver for up to 0.5 s to see what the server kept for it, or whether it closed it.</summary>
    private static async Task<string> DrainStalledAsync(Conn slow)
    {
        var sink = new CountingSink();
        slow.Sink = sink;
        slow.StartReceiving();
        var started = Stopwatch.GetTimestamp();
        long last = 0;
        var lastProgress = started;
        while (!slow.ReceiveLoop!.IsCompleted && Stopwatch.GetElapsedTime(started).TotalSeconds < 0.5 && Stopwatch.GetElapsedTime(lastProgress).TotalMilliseconds < 200)
        {
            await Task.Delay(20);
            var now = Volatile.Read(ref sink.Count);
            if (now != last)
            {
                last = now;
                lastProgress = Stopwatch.GetTimestamp();
            }
        }

        var frames = Volatile.Read(ref sink.Count);
        return slow.ReceiveLoop.IsCompleted
            ? $"stalled receiver: closed by the server ({frames} frames read before the close)"
            : $"stalled receiver: still open ({frames} frames read in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s of reading)";
    }

    private static string Ms(double us) => double.IsPositiveInfinity(us) ? "inf" : double.IsNaN(us) ? "n/a" : (us / 1000).ToString("F2", CultureInfo.InvariantCulture) + " ms";
}
