using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Xunit.Abstractions;

namespace SignalRLite.Tests.Performance;

/// <summary>
/// CPU time per echo round trip (Invocation in, Completion out; in-process over pipes, one connection, JSON) with
/// (a) nobody listening, (b) a <see cref="MeterListener"/> and an <see cref="ActivityListener"/> on every meter and
/// activity source of the server, callbacks that drop what they get, and (c) the OpenTelemetry SDK attached the usual
/// way (no exporter). The configurations take turns within each round (rotating which goes first), so drift of the
/// shared machine spreads over all three; each figure is the median over the rounds with its range. CPU is the whole
/// process's (<see cref="Environment.CpuUsage"/>): the server's threads and the client's, as in a real echo.
/// Reported for docs/performance.md ("Observability cost"); the test only checks that each configuration really
/// recorded (or did not record) what it should.
/// </summary>
[Collection(nameof(AllocationCollection))]
[Trait("Category", "Integration")]
public sealed class ObservabilityCpuTests(ITestOutputHelper output)
{
    private const int Rounds = 15;
    private const int Warmup = 2_000;
    private const int Measured = 10_000;

    private static readonly string[] Meters = ["Microsoft.AspNetCore.Http.Connections", "SignalRLite"];
    private static readonly string[] Sources = ["Microsoft.AspNetCore.SignalR.Server", "SignalRLite", "SignalRLite.StackExchangeRedis"];

    private enum Listening
    {
        None,
        Listeners,
        OpenTelemetry,
    }

    [Fact]
    public async Task Cpu_per_echo_round_trip_without_and_with_listeners()
    {
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Error));
        services.AddSignalRLite();
        await using var provider = services.BuildServiceProvider();
        var client = new EchoPipeClient(binary: false);
        var handler = Task.Run(() => provider.GetRequiredService<HubConnectionHandler<HotPathAllocationTests.EchoHub>>().OnConnectedAsync(client.Context));
        await client.HandshakeAsync();

        var configurations = Enum.GetValues<Listening>();
        var cpu = configurations.ToDictionary(c => c, _ => new List<double>());
        var wall = configurations.ToDictionary(c => c, _ => new List<double>());
        // Round -1 warms every configuration up (JIT of the listened-to paths) and is not kept.
        for (var round = -1; round < Rounds; round++)
        {
            for (var i = 0; i < configurations.Length; i++)
            {
                var configuration = configurations[(i + Math.Max(round, 0)) % configurations.Length];
                var (cpuMicroseconds, wallMicroseconds, recorded) = await MeasureAsync(client, configuration);
                var expected = configuration == Listening.None ? 0 : Warmup + Measured;
                Assert.True(configuration == Listening.None ? recorded == 0 : recorded >= expected, $"{configuration}: {recorded} recorded");
                if (round >= 0)
                {
                    cpu[configuration].Add(cpuMicroseconds);
                    wall[configuration].Add(wallMicroseconds);
                }
            }
        }

        client.Close();
        await handler.WaitAsync(TimeSpan.FromSeconds(10));

        output.WriteLine($"CPU per echo round trip (µs, whole process), median [min–max] of {Rounds} interleaved rounds of {Measured:N0}; wall per round trip in brackets:");
        foreach (var configuration in configurations)
        {
            output.WriteLine($"  {configuration,-14} {Summary(cpu[configuration])}   (wall {Summary(wall[configuration])})");
        }

        // Paired within each round (the configurations ran back to back), so that load that changes between rounds cancels.
        output.WriteLine("Added CPU per echo round trip against None in the same round (µs), median [min–max]:");
        foreach (var configuration in configurations.Where(c => c != Listening.None))
        {
            var added = cpu[configuration].Zip(cpu[Listening.None], (listened, none) => listened - none).ToList();
            output.WriteLine($"  {configuration,-14} {Summary(added)}");
        }
    }

    private static string Summary(List<double> values)
    {
        var sorted = values.Order().ToArray();
        var median = sorted[sorted.Length / 2];
        return string.Create(CultureInfo.InvariantCulture, $"{median:F2} [{sorted[0]:F2}–{sorted[^1]:F2}]");
    }

    /// <summary>
    /// Attaches the configuration's listeners, warms up, measures, detaches. Returns CPU and wall µs per round trip and
    /// how many invocation spans (or, for plain listeners, invocation measurements) were recorded.
    /// </summary>
    private static async Task<(double Cpu, double Wall, long Recorded)> MeasureAsync(EchoPipeClient client, Listening configuration)
    {
        long recorded = 0;
        MeterListener? meterListener = null;
        ActivityListener? activityListener = null;
        TracerProvider? tracer = null;
        MeterProvider? meters = null;
        var spans = new HotPathAllocationTests.CountingProcessor();
        switch (configuration)
        {
            case Listening.Listeners:
                meterListener = new MeterListener
                {
                    InstrumentPublished = (instrument, l) =>
                    {
                        if (Meters.Contains(instrument.Meter.Name))
                        {
                            l.EnableMeasurementEvents(instrument);
                        }
                    },
                };
                meterListener.SetMeasurementEventCallback<long>((instrument, _, _, _) => CountInvocation(instrument, ref recorded));
                meterListener.SetMeasurementEventCallback<double>((_, _, _, _) => { });
                meterListener.Start();
                activityListener = new ActivityListener
                {
                    ShouldListenTo = source => Sources.Contains(source.Name),
                    Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                    ActivityStopped = _ => { },
                };
                ActivitySource.AddActivityListener(activityListener);
                break;
            case Listening.OpenTelemetry:
                tracer = OpenTelemetry.Sdk.CreateTracerProviderBuilder()
                    .AddSource(Sources)
                    .SetSampler(new AlwaysOnSampler())
                    .AddProcessor(spans)
                    .Build();
                meters = OpenTelemetry.Sdk.CreateMeterProviderBuilder().AddMeter(Meters).Build();
                break;
        }

        try
        {
            await client.RoundTripsAsync(Warmup).WaitAsync(TimeSpan.FromSeconds(60));
            var cpuBefore = Environment.CpuUsage.TotalTime;
            var wallBefore = Stopwatch.GetTimestamp();
            await client.RoundTripsAsync(Measured).WaitAsync(TimeSpan.FromSeconds(60));
            var wallElapsed = Stopwatch.GetElapsedTime(wallBefore);
            var cpuElapsed = Environment.CpuUsage.TotalTime - cpuBefore;
            return (cpuElapsed.TotalMicroseconds / Measured, wallElapsed.TotalMicroseconds / Measured,
                configuration == Listening.OpenTelemetry ? spans.Count : Interlocked.Read(ref recorded));
        }
        finally
        {
            meterListener?.Dispose();
            activityListener?.Dispose();
            tracer?.Dispose();
            meters?.Dispose();
        }
    }

    private static void CountInvocation(Instrument instrument, ref long recorded)
    {
        if (instrument.Name == "signalrlite.server.invocations")
        {
            Interlocked.Increment(ref recorded);
        }
    }
}
