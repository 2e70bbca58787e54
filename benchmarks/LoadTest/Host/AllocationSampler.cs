using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Text;

namespace LoadTest.Host;

/// <summary>
/// Opt-in (environment LOADTEST_ALLOCATIONS=1) allocation sampler for finding hot spots: listens to the runtime's
/// GC AllocationTick events (one per ~100 KB allocated, with the type that crossed the threshold) and serves the
/// top types at GET /allocations (?reset=1 clears). Off during normal runs.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const int GcKeyword = 0x1;
    private readonly ConcurrentDictionary<string, long> _bytes = new();

    public static AllocationSampler? Instance { get; private set; }

    public static void StartIfEnabled()
    {
        if (Environment.GetEnvironmentVariable("LOADTEST_ALLOCATIONS") == "1")
        {
            Instance = new AllocationSampler();
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null)
        {
            return;
        }

        var typeIndex = e.PayloadNames!.IndexOf("TypeName");
        var amountIndex = e.PayloadNames.IndexOf("AllocationAmount64");
        if (amountIndex < 0)
        {
            amountIndex = e.PayloadNames.IndexOf("AllocationAmount");
        }

        var type = typeIndex >= 0 ? e.Payload[typeIndex] as string ?? "?" : "?";
        var amount = amountIndex >= 0 ? Convert.ToInt64(e.Payload[amountIndex], System.Globalization.CultureInfo.InvariantCulture) : 0;
        _bytes.AddOrUpdate(type, amount, (_, v) => v + amount);
    }

    public string Report(bool reset)
    {
        var total = _bytes.Values.Sum();
        var sb = new StringBuilder();
        sb.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"sampled bytes {total:N0}");
        foreach (var (type, bytes) in _bytes.OrderByDescending(kv => kv.Value).Take(40))
        {
            sb.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"{bytes * 100.0 / Math.Max(1, total),6:F1}%  {type}");
        }

        if (reset)
        {
            _bytes.Clear();
        }

        return sb.ToString();
    }
}
