using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;

namespace LoadTest.Client;

/// <summary>
/// The load client process: reads one scenario per stdin line ("RUN {json}"), runs it, prints "RESULT {json}".
/// It stays up for the whole run so that its JIT is warm and its start-up is not measured.
/// </summary>
internal static partial class ClientAgent
{
    private static readonly HttpMessageInvoker Invoker = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        ConnectTimeout = TimeSpan.FromSeconds(10),
    });

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>The last closed-loop broadcast send rate per (port, receivers, protocol): the base of the rate sweep.</summary>
    private static readonly ConcurrentDictionary<string, double> LastBroadcastRate = new();

    public static async Task<int> RunAsync()
    {
        ThreadPool.SetMinThreads(Environment.ProcessorCount * 4, Environment.ProcessorCount * 4);
        Console.WriteLine("# client ready");
        string? line;
        while ((line = await Console.In.ReadLineAsync()) is not null)
        {
            if (line == "EXIT")
            {
                break;
            }

            if (!line.StartsWith("RUN ", StringComparison.Ordinal))
            {
                continue;
            }

            var spec = Json.Deserialize<ScenarioSpec>(line[4..]);
            ScenarioResult result;
            try
            {
                result = await RunScenarioAsync(spec);
            }
            catch (Exception ex)
            {
                result = new ScenarioResult { Name = spec.Name, Ok = false, Error = ex.GetType().Name + ": " + ex.Message };
            }

            result.Name = spec.Name;
            Console.WriteLine("RESULT " + Json.Serialize(result));
        }

        return 0;
    }

    private static Task<ScenarioResult> RunScenarioAsync(ScenarioSpec spec) => spec.Kind switch
    {
        "echo" => EchoAsync(spec),
        "broadcast" => BroadcastAsync(spec, rateSweep: false),
        "broadcast-rate" => BroadcastAsync(spec, rateSweep: true),
        "broadcast-stall" => BroadcastStallAsync(spec),
        "group" => BroadcastAsync(spec, rateSweep: false),
        "idle" => IdleAsync(spec),
        "official-client" => OfficialClientEchoAsync(spec),
        _ => throw new ArgumentException($"Unknown scenario kind '{spec.Kind}'."),
    };

    // ---------------------------------------------------------------- helpers

    private static Uri HubUri(ScenarioSpec spec, int index) => new($"ws://127.0.0.{1 + (index % 8)}:{spec.Port}{spec.Path}");

    internal static async Task<ServerStats> GetStatsAsync(int port, bool forceGc = false)
    {
        var url = $"http://127.0.0.1:{port}/stats" + (forceGc ? "?gc=1" : "");
        var json = await Http.GetStringAsync(url);
        return Json.Deserialize<ServerStats>(json);
    }

    private static async Task<List<Conn>> OpenAsync(ScenarioSpec spec, int count, bool binary, int firstIndex = 0)
    {
        var conns = new Conn[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            Exception? last = null;
            for (var attempt = 0; attempt < 3; attempt++)
            {
                try
                {
                    conns[i] = await Conn.ConnectAsync(HubUri(spec, firstIndex + i), binary, firstIndex + i, Invoker, ct);
                    return;
                }
                catch (Exception ex)
                {
                    last = ex;
                    await Task.Delay(50, ct);
                }
            }

            throw new InvalidOperationException($"Connection {firstIndex + i} failed: {last?.Message}", last);
        });
        return [.. conns];
    }

    private static async Task CloseAsync(IEnumerable<Conn> conns)
    {
        var loops = new List<Task>();
        foreach (var c in conns)
        {
            c.Abort();
            if (c.ReceiveLoop is { } loop)
            {
                loops.Add(loop);
            }
        }

        await Task.WhenAny(Task.WhenAll(loops), Task.Delay(5000));
        // Give the server a moment to drop the connections before the next scenario counts "all clients".
        await Task.Delay(300);
    }

    /// <summary>Measures one window: counts, histogram, server allocation and CPU, client CPU.</summary>
    private static async Task<ScenarioResult> MeasureAsync(ScenarioSpec spec, Func<long> counter, Histogram histogram, Action<bool> measuring)
    {
        await Task.Delay(TimeSpan.FromSeconds(spec.WarmupSeconds));
        var s0 = await GetStatsAsync(spec.Port);
        var cpu0 = Environment.CpuUsage.TotalTime;
        histogram.Reset();
        var c0 = counter();
        var t0 = Stopwatch.GetTimestamp();
        measuring(true);
        await Task.Delay(TimeSpan.FromSeconds(spec.MeasureSeconds));
        measuring(false);
        var c1 = counter();
        var elapsed = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        var cpu1 = Environment.CpuUsage.TotalTime;
        var s1 = await GetStatsAsync(spec.Port);
        return new ScenarioResult
        {
            Count = c1 - c0,
            Seconds = elapsed,
            Rate = (c1 - c0) / elapsed,
            P50Us = histogram.Quantile(0.50),
            P99Us = histogram.Quantile(0.99),
            ServerAllocatedBytes = s1.Allocated - s0.Allocated,
            ServerCpuSeconds = s1.CpuSeconds - s0.CpuSeconds,
            ServerWorkItems = s1.WorkItems - s0.WorkItems,
            ServerContextSwitches = s1.ContextSwitches - s0.ContextSwitches,
            ClientCpuSeconds = (cpu1 - cpu0).TotalSeconds,
            ServerThreads = s1.ThreadPoolThreads,
        };
    }

    private static long Sum(List<Conn> conns)
    {
        long total = 0;
        foreach (var c in conns)
        {
            total += Volatile.Read(ref c.Received);
        }

        return total;
    }

    // ---------------------------------------------------------------- echo

    private sealed class EchoSink(bool raw, int depth, Histogram histogram) : IFrameSink
    {
        public volatile bool Measuring;
        public volatile bool Stopping;

        public bool OnFrame(Conn conn, ReadOnlySpan<byte> frame)
        {
            if (!raw && Frames.MessageType(conn.Binary, frame) != 3)
            {
                return false; // pings and anything else
            }

            var now = Stopwatch.GetTimestamp();
            var sentAt = conn.SendTimes[conn.Received % depth];
            Volatile.Write(ref conn.Received, conn.Received + 1);
            if (Measuring)
            {
                histogram.RecordTicks(now - sentAt);
            }

            return true;
        }

        public ValueTask AfterResponsesAsync(Conn conn, int responses) => Stopping ? ValueTask.CompletedTask : SendAsync(conn, responses);

        /// <summary>Sends the next <paramref name="count"/> invocations (contiguous in the connection's frame ring), each with a fresh ID.</summary>
        public ValueTask SendAsync(Conn conn, int count)
        {
            var frames = conn.FrameRing!;
            var first = (int)(conn.Sent % depth);
            var now = Stopwatch.GetTimestamp();
            for (var k = 0; k < count; k++)
            {
                conn.SendTimes[(conn.Sent + k) % depth] = now;
                Frames.PatchId(frames, conn.IdSlots![first + k], ++conn.NextId);
            }

            conn.Sent += count;
            return conn.SendAsync(frames.AsMemory(conn.Offsets![first], conn.Offsets[first + count] - conn.Offsets[first]));
        }
    }

    private static async Task<ScenarioResult> EchoAsync(ScenarioSpec spec)
    {
        var binary = spec.Protocol == "messagepack";
        var depth = Math.Clamp(spec.InFlight, 1, 32);
        var payload = Frames.Payload(spec.PayloadBytes, timestamped: false);

        // Per connection: 2 x depth invocation frames back to back, so that any run of up to depth consecutive
        // frames of the ring is contiguous; each frame's ID slot is patched right before it is sent.
        var one = Frames.Invocation(binary, Frames.IdSlot, "Echo", payload);
        var idAt = Frames.FindIdSlot(one);
        var histogram = new Histogram();
        var sink = new EchoSink(spec.Raw, depth, histogram);

        var setup = Stopwatch.StartNew();
        var conns = await OpenAsync(spec, spec.Connections, binary);
        var setupSeconds = setup.Elapsed.TotalSeconds;
        try
        {
            // Kick off first (the receive loop, which sends the next ones, must not overlap a send).
            foreach (var c in conns)
            {
                c.FrameRing = new byte[2 * depth * one.Length];
                c.Offsets = new int[(2 * depth) + 1];
                c.IdSlots = new int[2 * depth];
                for (var i = 0; i < 2 * depth; i++)
                {
                    one.CopyTo(c.FrameRing, i * one.Length);
                    c.Offsets[i] = i * one.Length;
                    c.IdSlots[i] = (i * one.Length) + idAt;
                }

                c.Offsets[2 * depth] = 2 * depth * one.Length;
                c.Sink = sink;
                await sink.SendAsync(c, depth);
            }

            foreach (var c in conns)
            {
                c.StartReceiving();
            }

            var result = await MeasureAsync(spec, () => Sum(conns), histogram, m => sink.Measuring = m);
            result.SetupSeconds = setupSeconds;
            sink.Stopping = true;
            return result;
        }
        finally
        {
            sink.Stopping = true;
            await Task.Delay(100);
            await CloseAsync(conns);
        }
    }

    // ---------------------------------------------------------------- broadcast and group

    private sealed class ReceiverSink(Histogram histogram) : IFrameSink
    {
        public volatile bool Measuring;

        public bool OnFrame(Conn conn, ReadOnlySpan<byte> frame)
        {
            if (Frames.MessageType(conn.Binary, frame) != 1)
            {
                return false;
            }

            var stamp = Frames.ReadStamp(frame);
            if (stamp < 0)
            {
                return false;
            }

            Volatile.Write(ref conn.Received, conn.Received + 1);
            if (Measuring)
            {
                histogram.RecordTicks(Stopwatch.GetTimestamp() - stamp);
            }

            return false;
        }

        public ValueTask AfterResponsesAsync(Conn conn, int responses) => ValueTask.CompletedTask;
    }

    /// <summary>The sender's connection: releases one window slot per Completion (raw host: per own echo).</summary>
    private sealed class SenderSink(bool raw, SemaphoreSlim window) : IFrameSink
    {
        public bool OnFrame(Conn conn, ReadOnlySpan<byte> frame)
        {
            var type = Frames.MessageType(conn.Binary, frame);
            var ack = raw ? type == 1 && Frames.ReadStamp(frame) >= 0 : type == 3;
            if (ack)
            {
                window.Release();
            }

            return false;
        }

        public ValueTask AfterResponsesAsync(Conn conn, int responses) => ValueTask.CompletedTask;
    }

    /// <summary>Counts the Completions of the JoinGroup calls.</summary>
    private sealed class JoinSink(CountdownEvent remaining) : IFrameSink
    {
        public bool OnFrame(Conn conn, ReadOnlySpan<byte> frame)
        {
            if (Frames.MessageType(conn.Binary, frame) == 3)
            {
                remaining.Signal();
            }

            return false;
        }

        public ValueTask AfterResponsesAsync(Conn conn, int responses) => ValueTask.CompletedTask;
    }

    private static async Task<ScenarioResult> BroadcastAsync(ScenarioSpec spec, bool rateSweep)
    {
        var group = spec.Kind == "group";
        if (group && spec.Raw)
        {
            return new ScenarioResult { Ok = false, Error = "n/a", Note = "the raw host has no groups" };
        }

        var binary = spec.Protocol == "messagepack";
        var receivers = spec.Connections;
        var payload = Frames.Payload(Math.Max(spec.PayloadBytes, 24), timestamped: true);
        var histogram = new Histogram();
        var receiverSink = new ReceiverSink(histogram);

        var setup = Stopwatch.StartNew();
        var conns = await OpenAsync(spec, receivers + 1, binary);
        var sender = conns[receivers];
        var receiverConns = conns.GetRange(0, receivers);
        try
        {
            if (group)
            {
                using var joined = new CountdownEvent(receivers);
                var joinSink = new JoinSink(joined);
                foreach (var c in receiverConns)
                {
                    c.Sink = joinSink;
                    c.StartReceiving();
                }

                foreach (var c in receiverConns)
                {
                    await c.SendAsync(Frames.Invocation(binary, "j", "JoinGroup", "g" + (c.Index % spec.Groups)));
                }

                if (!joined.Wait(TimeSpan.FromSeconds(30)))
                {
                    throw new TimeoutException($"JoinGroup: {joined.CurrentCount} completions missing.");
                }

                foreach (var c in receiverConns)
                {
                    c.Sink = receiverSink;
                }
            }
            else
            {
                foreach (var c in receiverConns)
                {
                    c.Sink = receiverSink;
                    c.StartReceiving();
                }
            }

            var setupSeconds = setup.Elapsed.TotalSeconds;
            var key = $"{spec.Port}/{spec.Protocol}/{receivers}";
            if (!rateSweep)
            {
                var result = await ClosedLoopBroadcastAsync(spec, binary, group, payload, sender, receiverConns, histogram, receiverSink);
                result.SetupSeconds = setupSeconds;
                var sendsPerSecond = result.Rate / (group ? receivers / (double)spec.Groups : receivers);
                if (!group)
                {
                    LastBroadcastRate[key] = sendsPerSecond;
                }

                result.Note = $"{sendsPerSecond:F0} broadcasts/s";
                return result;
            }

            if (!LastBroadcastRate.TryGetValue(key, out var baseRate))
            {
                throw new InvalidOperationException("broadcast-rate needs a closed-loop broadcast with the same receivers first.");
            }

            return await RateSweepAsync(spec, binary, payload, baseRate, sender, receiverConns, histogram, receiverSink);
        }
        finally
        {
            await CloseAsync(conns);
        }
    }

    private static async Task<ScenarioResult> ClosedLoopBroadcastAsync(
        ScenarioSpec spec, bool binary, bool group, string payload, Conn sender, List<Conn> receiverConns, Histogram histogram, ReceiverSink receiverSink)
    {
        var window = Math.Clamp(spec.InFlight, 1, 8);
        using var slots = new SemaphoreSlim(window, int.MaxValue);
        sender.Sink = new SenderSink(spec.Raw, slots);
        sender.StartReceiving();

        // One frame per group (or one), reused: the ID (fresh for every send) and the timestamp are patched in place.
        var frames = new byte[group ? spec.Groups : 1][];
        var stampAt = new int[frames.Length];
        var idAt = new int[frames.Length];
        for (var i = 0; i < frames.Length; i++)
        {
            frames[i] = group
                ? Frames.Invocation(binary, Frames.IdSlot, "GroupBroadcast", "g" + i, payload)
                : Frames.Invocation(binary, Frames.IdSlot, "Broadcast", payload);
            stampAt[i] = frames[i].AsSpan().IndexOf(Frames.Marker);
            idAt[i] = Frames.FindIdSlot(frames[i]);
        }

        using var stop = new CancellationTokenSource();
        var loop = Task.Run(async () =>
        {
            long s = 0;
            while (!stop.IsCancellationRequested)
            {
                if (!await slots.WaitAsync(100))
                {
                    continue;
                }

                var i = (int)(s++ % frames.Length);
                Frames.PatchId(frames[i], idAt[i], s);
                Frames.Stamp(frames[i], stampAt[i], Stopwatch.GetTimestamp());
                await sender.SendAsync(frames[i]);
            }
        });

        try
        {
            return await MeasureAsync(spec, () => Sum(receiverConns), histogram, m => receiverSink.Measuring = m);
        }
        finally
        {
            stop.Cancel();
            await Task.WhenAny(loop, Task.Delay(5000));
        }
    }

    private static async Task<ScenarioResult> RateSweepAsync(
        ScenarioSpec spec, bool binary, string payload, double baseRate, Conn sender, List<Conn> receiverConns, Histogram histogram, ReceiverSink receiverSink)
    {
        sender.Sink = null;
        sender.StartReceiving();
        var frame = Frames.Invocation(binary, null, "Broadcast", payload);
        var stampAt = frame.AsSpan().IndexOf(Frames.Marker);
        var receivers = receiverConns.Count;
        var fractions = new List<double>(spec.Rates.Length > 0 ? spec.Rates : [0.5, 0.8, 1.0, 1.25]);
        var result = new ScenarioResult();
        var s0 = await GetStatsAsync(spec.Port);
        var cpu0 = Environment.CpuUsage.TotalTime;
        long totalDeliveries = 0;
        double totalSeconds = 0;
        for (var step = 0; step < fractions.Count; step++)
        {
            var fraction = fractions[step];
            var rate = Math.Max(1, baseRate * fraction);
            histogram.Reset();
            receiverSink.Measuring = true;
            var before = Sum(receiverConns);
            var t0 = Stopwatch.GetTimestamp();
            long sent = 0;
            while (true)
            {
                var elapsed = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                if (elapsed >= spec.MeasureSeconds)
                {
                    break;
                }

                var due = (long)(elapsed * rate) + 1;
                while (sent < due)
                {
                    Frames.Stamp(frame, stampAt, Stopwatch.GetTimestamp());
                    await sender.SendAsync(frame);
                    sent++;
                }

                await Task.Delay(1);
            }

            var sendSeconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;

            // Drain: wait until every delivery arrived, or until nothing arrives for 500 ms (max 5 s).
            var expected = before + (sent * receivers);
            var drainStart = Stopwatch.GetTimestamp();
            var last = Sum(receiverConns);
            var lastProgress = Stopwatch.GetTimestamp();
            while (last < expected && Stopwatch.GetElapsedTime(drainStart).TotalSeconds < 5 && Stopwatch.GetElapsedTime(lastProgress).TotalMilliseconds < 500)
            {
                await Task.Delay(20);
                var now = Sum(receiverConns);
                if (now != last)
                {
                    last = now;
                    lastProgress = Stopwatch.GetTimestamp();
                }
            }

            receiverSink.Measuring = false;
            var delivered = last - before;
            var lost = expected - last;
            var p99Ms = lost > 0 ? double.PositiveInfinity : histogram.Quantile(0.99) / 1000.0;
            totalDeliveries += delivered;
            totalSeconds += sendSeconds;
            result.Steps.Add([sent / sendSeconds, delivered / sendSeconds, p99Ms]);
            if (p99Ms <= spec.SloMs)
            {
                result.MaxRateUnderSlo = sent / sendSeconds;
                result.P99Us = p99Ms * 1000;
                result.P50Us = histogram.Quantile(0.5);
            }
            else if (result.MaxRateUnderSlo == 0 && fraction > fractions[0] / 5)
            {
                // Even the first rate missed the objective: step down (at most twice).
                fractions.Insert(step + 1, fraction / 2.5);
                await Task.Delay(500);
                continue;
            }
            else
            {
                break;
            }

            await Task.Delay(200);
        }

        var s1 = await GetStatsAsync(spec.Port);
        result.Count = totalDeliveries;
        result.Seconds = totalSeconds;
        result.Rate = result.MaxRateUnderSlo * receivers;
        result.ServerAllocatedBytes = s1.Allocated - s0.Allocated;
        result.ServerCpuSeconds = s1.CpuSeconds - s0.CpuSeconds;
        result.ServerWorkItems = s1.WorkItems - s0.WorkItems;
        result.ServerContextSwitches = s1.ContextSwitches - s0.ContextSwitches;
        result.ClientCpuSeconds = (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds;
        result.Note = $"base {baseRate:F0}/s; steps " + string.Join(", ", result.Steps.Select(s => $"{s[0]:F0}/s p99 {s[2]:F1} ms"));
        return result;
    }

    // ---------------------------------------------------------------- idle memory

    private static async Task<ScenarioResult> IdleAsync(ScenarioSpec spec)
    {
        var binary = spec.Protocol == "messagepack";
        var setup = Stopwatch.StartNew();
        var low = await OpenAsync(spec, spec.ConnectionsLow, binary);
        var all = new List<Conn>(low);
        try
        {
            await Task.Delay(500);
            var atLow = await GetStatsAsync(spec.Port, forceGc: true);
            var more = await OpenAsync(spec, spec.Connections - spec.ConnectionsLow, binary, spec.ConnectionsLow);
            all.AddRange(more);
            var setupSeconds = setup.Elapsed.TotalSeconds;
            await Task.Delay(500);
            var atHigh = await GetStatsAsync(spec.Port, forceGc: true);
            double added = spec.Connections - spec.ConnectionsLow;
            return new ScenarioResult
            {
                Count = spec.Connections,
                SetupSeconds = setupSeconds,
                HeapBytesPerConnection = (atHigh.Heap - atLow.Heap) / added,
                WorkingSetBytesPerConnection = (atHigh.WorkingSet - atLow.WorkingSet) / added,
                Note = $"heap {atLow.Heap / 1048576.0:F1} -> {atHigh.Heap / 1048576.0:F1} MiB, working set {atLow.WorkingSet / 1048576.0:F1} -> {atHigh.WorkingSet / 1048576.0:F1} MiB",
            };
        }
        finally
        {
            await CloseAsync(all);
            await Task.Delay(700);
        }
    }
}
