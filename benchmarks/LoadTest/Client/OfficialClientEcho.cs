using System.Diagnostics;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace LoadTest.Client;

internal static partial class ClientAgent
{
    /// <summary>Sanity check: closed-loop Echo with the official .NET client (HubConnection) as load.</summary>
    private static async Task<ScenarioResult> OfficialClientEchoAsync(ScenarioSpec spec)
    {
        if (spec.Raw)
        {
            return new ScenarioResult { Ok = false, Error = "n/a", Note = "the raw host does not speak the hub protocol" };
        }

        var payload = Frames.Payload(spec.PayloadBytes, timestamped: false);
        var connections = new List<HubConnection>();
        var setup = Stopwatch.StartNew();
        for (var i = 0; i < spec.Connections; i++)
        {
            var builder = new HubConnectionBuilder()
                .WithUrl($"http://127.0.0.{1 + (i % 8)}:{spec.Port}{spec.Path}", HttpTransportType.WebSockets, o => o.SkipNegotiation = true);
            if (spec.Protocol == "messagepack")
            {
                builder.AddMessagePackProtocol();
            }

            var connection = builder.Build();
            await connection.StartAsync();
            connections.Add(connection);
        }

        var setupSeconds = setup.Elapsed.TotalSeconds;
        var histogram = new Histogram();
        var measuring = false;
        long count = 0;
        using var stop = new CancellationTokenSource();
        var loops = connections.Select(c => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var t = Stopwatch.GetTimestamp();
                var echoed = await c.InvokeAsync<string>("Echo", payload);
                if (echoed.Length != payload.Length)
                {
                    throw new InvalidOperationException("Echo returned something else.");
                }

                if (Volatile.Read(ref measuring))
                {
                    histogram.RecordTicks(Stopwatch.GetTimestamp() - t);
                }

                Interlocked.Increment(ref count);
            }
        })).ToList();

        try
        {
            var result = await MeasureAsync(spec, () => Interlocked.Read(ref count), histogram, m => Volatile.Write(ref measuring, m));
            result.SetupSeconds = setupSeconds;
            return result;
        }
        finally
        {
            stop.Cancel();
            await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
            foreach (var c in connections)
            {
                await c.DisposeAsync();
            }
        }
    }
}
