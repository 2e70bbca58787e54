using System.Text.Json;
using System.Text.Json.Serialization;

namespace LoadTest;

/// <summary>What the orchestrator asks the client process to run (one JSON line on its stdin).</summary>
public sealed class ScenarioSpec
{
    /// <summary>Unique report name, for example <c>echo json 32B x100</c>.</summary>
    public string Name { get; set; } = "";

    /// <summary>echo, broadcast, broadcast-rate, broadcast-stall, group, idle, official-client.</summary>
    public string Kind { get; set; } = "echo";

    /// <summary>json or messagepack.</summary>
    public string Protocol { get; set; } = "json";

    /// <summary>Echo: connections. Broadcast and group: receivers. Idle: the upper connection count.</summary>
    public int Connections { get; set; } = 1;

    /// <summary>Idle: the lower connection count (the slope is taken between it and <see cref="Connections"/>).</summary>
    public int ConnectionsLow { get; set; }

    public int PayloadBytes { get; set; } = 32;

    /// <summary>Echo: invocations in flight per connection. Broadcast: broadcasts in flight for the sender.</summary>
    public int InFlight { get; set; } = 1;

    public int Groups { get; set; } = 10;

    public double WarmupSeconds { get; set; } = 1;

    public double MeasureSeconds { get; set; } = 2;

    /// <summary>broadcast-rate: the send rates (broadcasts per second) to try, ascending. broadcast-stall: the one fixed rate.</summary>
    public double[] Rates { get; set; } = [];

    /// <summary>broadcast-rate: delivery p99 objective in milliseconds.</summary>
    public double SloMs { get; set; } = 100;

    /// <summary>broadcast-stall: broadcasts of <see cref="FillBytes"/> sent before the stalled phase's window, to fill the stalled connection's buffers.</summary>
    public int FillMessages { get; set; }

    public int FillBytes { get; set; }

    /// <summary>Host port; the client spreads connections over 127.0.0.1..8 (all served by the host).</summary>
    public int Port { get; set; }

    /// <summary>Hub path (or the raw endpoint path).</summary>
    public string Path { get; set; } = "/hub";

    /// <summary>The host is the raw WebSocket echo/fan-out (no hub layer, no completions).</summary>
    public bool Raw { get; set; }
}

/// <summary>What the client process answers (one JSON line on its stdout, prefixed by RESULT).</summary>
public sealed class ScenarioResult
{
    public string Name { get; set; } = "";

    public bool Ok { get; set; } = true;

    public string? Error { get; set; }

    /// <summary>Messages handled in the window: echo round trips, or broadcast deliveries.</summary>
    public long Count { get; set; }

    public double Seconds { get; set; }

    /// <summary>Count per second.</summary>
    public double Rate { get; set; }

    public double P50Us { get; set; }

    public double P99Us { get; set; }

    /// <summary>Server: GC.GetTotalAllocatedBytes delta over the window.</summary>
    public long ServerAllocatedBytes { get; set; }

    /// <summary>Server: process CPU time over the window.</summary>
    public double ServerCpuSeconds { get; set; }

    /// <summary>Server: thread-pool work items run over the window.</summary>
    public long ServerWorkItems { get; set; }

    /// <summary>Server: context switches over the window.</summary>
    public long ServerContextSwitches { get; set; }

    /// <summary>Client: process CPU time over the window.</summary>
    public double ClientCpuSeconds { get; set; }

    /// <summary>Server: ThreadPool.ThreadCount at the window's end (console log only).</summary>
    public int ServerThreads { get; set; }

    /// <summary>Connection setup (WebSocket + handshake) time, seconds.</summary>
    public double SetupSeconds { get; set; }

    /// <summary>Idle: GC heap bytes per connection (slope), after a forced GC.</summary>
    public double HeapBytesPerConnection { get; set; }

    /// <summary>Idle: working set bytes per connection (slope).</summary>
    public double WorkingSetBytesPerConnection { get; set; }

    /// <summary>broadcast-rate: the highest send rate (broadcasts/s) whose delivery p99 met the objective.</summary>
    public double MaxRateUnderSlo { get; set; }

    /// <summary>broadcast-rate: one entry per rate tried: rate, achieved deliveries/s, p99 ms.</summary>
    public List<double[]> Steps { get; set; } = [];

    /// <summary>broadcast-stall: the baseline phase (no stalled receiver); P50Us, P99Us and Rate hold the stalled phase.</summary>
    public double BaselineP50Us { get; set; }

    public double BaselineP99Us { get; set; }

    public double BaselineRate { get; set; }

    /// <summary>broadcast-stall: broadcasts the sender got out per second of the window (stalled phase; baseline).</summary>
    public double SenderRate { get; set; }

    public double BaselineSenderRate { get; set; }

    /// <summary>broadcast-stall: the sender's Broadcast completion p99 (raw host: its own copy), stalled phase; baseline.</summary>
    public double SenderP99Us { get; set; }

    public double BaselineSenderP99Us { get; set; }

    /// <summary>broadcast-stall: the longest pause in delivery of the fill burst to the healthy receivers, ms (stalled phase; baseline).</summary>
    public double FillPauseMs { get; set; }

    public double BaselineFillPauseMs { get; set; }

    public string? Note { get; set; }
}

/// <summary>The host's /stats answer.</summary>
public sealed class ServerStats
{
    public long Heap { get; set; }

    public long WorkingSet { get; set; }

    public long Allocated { get; set; }

    public double CpuSeconds { get; set; }

    /// <summary>ThreadPool.CompletedWorkItemCount: thread-pool work items run so far.</summary>
    public long WorkItems { get; set; }

    /// <summary>Context switches of the host process so far (Linux).</summary>
    public long ContextSwitches { get; set; }

    public int Gen0 { get; set; }

    public int Gen1 { get; set; }

    public int Gen2 { get; set; }

    /// <summary>ThreadPool.PendingWorkItemCount: the thread pool's queue length now.</summary>
    public long PendingWorkItems { get; set; }

    /// <summary>ThreadPool.ThreadCount now.</summary>
    public int ThreadPoolThreads { get; set; }

    /// <summary>System.Runtime.JitInfo.GetCompiledMethodCount(): methods the JIT has compiled so far (every tier).</summary>
    public long JitMethods { get; set; }
}

[JsonSerializable(typeof(ScenarioSpec))]
[JsonSerializable(typeof(ScenarioResult))]
[JsonSerializable(typeof(ServerStats))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
internal sealed partial class LoadTestJson : JsonSerializerContext
{
}

internal static class Json
{
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, typeof(T), LoadTestJson.Default);

    public static T Deserialize<T>(string json) => (T)JsonSerializer.Deserialize(json, typeof(T), LoadTestJson.Default)!;
}
