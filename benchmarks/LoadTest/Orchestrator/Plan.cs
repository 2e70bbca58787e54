namespace LoadTest.Orchestrator;

/// <summary>The scenarios of a run, in the order each host runs them.</summary>
internal static class Plan
{
    public static List<ScenarioSpec> Build(bool quick, double measureSeconds, double warmupSeconds)
    {
        var list = new List<ScenarioSpec>();

        void Add(ScenarioSpec s)
        {
            s.MeasureSeconds = measureSeconds;
            s.WarmupSeconds = warmupSeconds;
            list.Add(s);
        }

        var protocols = new[] { "json", "messagepack" };
        var connectionCounts = quick ? new[] { 1, 100 } : new[] { 1, 100, 1000 };

        // 32 B at every connection count; 4 KB at 100 connections (full run only).
        IEnumerable<(int Payload, int Connections)> EchoCases() =>
            connectionCounts.Select(n => (32, n)).Concat(quick ? [] : [(4096, 100)]);

        foreach (var protocol in protocols)
        {
            foreach (var (payload, n) in EchoCases())
            {
                {
                    Add(new ScenarioSpec
                    {
                        Name = $"echo {Short(protocol)} {Size(payload)} x{n}",
                        Kind = "echo",
                        Protocol = protocol,
                        Connections = n,
                        PayloadBytes = payload,
                    });
                }
            }

            Add(new ScenarioSpec
            {
                Name = $"pipelined echo {Short(protocol)} 32B x1 (16 in flight)",
                Kind = "echo",
                Protocol = protocol,
                Connections = 1,
                PayloadBytes = 32,
                InFlight = 16,
            });
        }

        foreach (var receivers in quick ? new[] { 100 } : new[] { 100, 1000 })
        {
            Add(new ScenarioSpec
            {
                Name = $"broadcast json 32B to {receivers}",
                Kind = "broadcast",
                Protocol = "json",
                Connections = receivers,
                PayloadBytes = 32,
                InFlight = 4,
            });
            Add(new ScenarioSpec
            {
                Name = $"broadcast rate, p99 < 100 ms, json to {receivers}",
                Kind = "broadcast-rate",
                Protocol = "json",
                Connections = receivers,
                PayloadBytes = 32,
                Rates = quick ? [0.5, 1.0] : [0.6, 0.9, 1.2],
            });
        }

        if (!quick)
        {
            Add(new ScenarioSpec
            {
                Name = "broadcast msgpack 32B to 1000",
                Kind = "broadcast",
                Protocol = "messagepack",
                Connections = 1000,
                PayloadBytes = 32,
                InFlight = 4,
            });
        }

        Add(new ScenarioSpec
        {
            Name = quick ? "group broadcast json 32B, 10 groups of 10" : "group broadcast json 32B, 10 groups of 100",
            Kind = "group",
            Protocol = "json",
            Connections = quick ? 100 : 1000,
            Groups = 10,
            PayloadBytes = 32,
            InFlight = 4,
        });

        Add(new ScenarioSpec
        {
            Name = quick ? "idle memory json 1000 to 3000" : "idle memory json 5000 to 15000",
            Kind = "idle",
            Protocol = "json",
            ConnectionsLow = quick ? 1000 : 5000,
            Connections = quick ? 3000 : 15000,
        });

        Add(new ScenarioSpec
        {
            Name = "official .NET client echo json 32B x10",
            Kind = "official-client",
            Protocol = "json",
            Connections = 10,
            PayloadBytes = 32,
        });

        // Last: the stalled connection may leave the host busy until the client aborts it.
        Add(new ScenarioSpec
        {
            Name = $"broadcast to {StallReceivers} with one stalled receiver",
            Kind = "broadcast-stall",
            Protocol = "json",
            Connections = StallReceivers,
            PayloadBytes = 32,
            Rates = [StallRate],
            FillMessages = 300,
            FillBytes = 16 * 1024,
        });
        if (quick)
        {
            // Shorter windows: the scenario runs three phases per host.
            list[^1].WarmupSeconds = Math.Min(warmupSeconds, 0.25);
            list[^1].MeasureSeconds = Math.Min(measureSeconds, 0.6);
        }

        return list;
    }

    /// <summary>broadcast-stall: healthy receivers, and the fixed send rate (broadcasts/s, well under capacity).</summary>
    public const int StallReceivers = 100;

    public const double StallRate = 500;

    /// <summary>Run on every fresh host before the measured scenarios, results discarded.</summary>
    public static IEnumerable<ScenarioSpec> Warmup(bool quick)
    {
        var seconds = quick ? 0.2 : 0.35;
        foreach (var protocol in new[] { "json", "messagepack" })
        {
            yield return new ScenarioSpec { Name = "warm-up echo " + protocol, Kind = "echo", Protocol = protocol, Connections = 10, InFlight = 4, WarmupSeconds = seconds, MeasureSeconds = seconds };
        }

        yield return new ScenarioSpec { Name = "warm-up broadcast", Kind = "broadcast", Protocol = "json", Connections = 20, InFlight = 4, WarmupSeconds = seconds, MeasureSeconds = seconds };
    }

    /// <summary>
    /// A steady-state pass compiling at most this many methods ends the warm-up. Not zero: long after start the JIT
    /// still compiles a few dozen methods now and then (a pass of 200 every fourth pass or so, for all three kinds,
    /// measured here with 10 passes); the first two passes compile thousands, the third tens.
    /// </summary>
    public const int SteadyJitMethods = 100;

    /// <summary>The warm-up gives up after this many passes (about 4 s each) and says so.</summary>
    public const int SteadyMaxPasses = 6;

    /// <summary>One steady-state pass: the measured paths at load, 1 s each (results discarded).</summary>
    public static IEnumerable<ScenarioSpec> SteadyState()
    {
        foreach (var protocol in new[] { "json", "messagepack" })
        {
            yield return new ScenarioSpec { Name = "steady echo " + protocol, Kind = "echo", Protocol = protocol, Connections = 100, PayloadBytes = 32, WarmupSeconds = 0.2, MeasureSeconds = 0.8 };
        }

        yield return new ScenarioSpec { Name = "steady broadcast", Kind = "broadcast", Protocol = "json", Connections = 100, PayloadBytes = 32, InFlight = 4, WarmupSeconds = 0.2, MeasureSeconds = 0.8 };
    }

    /// <summary>Raw host paths: echo on /raw, fan-out on /raw-all.</summary>
    public static ScenarioSpec ForKind(ScenarioSpec spec, string kind, int port)
    {
        var copy = Json.Deserialize<ScenarioSpec>(Json.Serialize(spec));
        copy.Port = port;
        copy.Raw = kind == "raw";
        copy.Path = kind != "raw" ? "/hub" : spec.Kind is "broadcast" or "broadcast-rate" or "broadcast-stall" or "group" ? "/raw-all" : "/raw";
        return copy;
    }

    private static string Short(string protocol) => protocol == "messagepack" ? "msgpack" : protocol;

    private static string Size(int bytes) => bytes >= 1024 ? $"{bytes / 1024}KB" : $"{bytes}B";
}
