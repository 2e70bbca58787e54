using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace SignalRLite.Tests.Diagnostics;

/// <summary>
/// The official server and SignalRLite, side by side, through the same scenarios with the official .NET client: the
/// measurements of the meter <c>Microsoft.AspNetCore.Http.Connections</c> must be the same (instrument, kind, unit,
/// description, bucket advice, value, attributes; durations only as "positive").
/// </summary>
[Collection(DiagnosticsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class OfficialMetricsComparisonTests
{
    public static TheoryData<HttpTransportType> Transports => [HttpTransportType.WebSockets, HttpTransportType.ServerSentEvents, HttpTransportType.LongPolling];

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_connection_that_invokes_and_closes(HttpTransportType transport)
    {
        var (official, lite) = (await RunAsync("official"), await RunAsync("lite"));
        Assert.Equal(official, lite);
        Assert.Contains(official, m => m.Contains("normal_closure", StringComparison.Ordinal));

        async Task<string[]> RunAsync(string which)
        {
            await using var server = await DiagnosticsServer.StartAsync(which);
            var client = server.CreateClient(transport);
            await client.StartAsync();
            Assert.Equal("hi", await client.InvokeAsync<string>("Echo", "hi"));
            await client.DisposeAsync();
            await server.WaitForEndedConnectionsAsync(1);
            return Normalise(server.Recorder);
        }
    }

    [Theory]
    [InlineData(HttpTransportType.WebSockets)]
    [InlineData(HttpTransportType.ServerSentEvents)]
    public async Task A_client_closed_for_silence_ends_as_a_normal_closure(HttpTransportType transport)
    {
        var (official, lite) = (await RunAsync("official"), await RunAsync("lite"));
        Assert.Equal(official, lite);

        async Task<string[]> RunAsync(string which)
        {
            await using var server = await DiagnosticsServer.StartAsync(which, clientTimeout: TimeSpan.FromMilliseconds(500));
            var client = server.CreateClient(transport, b => b.WithKeepAliveInterval(TimeSpan.FromSeconds(30)).WithServerTimeout(TimeSpan.FromSeconds(60)));
            var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
            client.Closed += e => { closed.TrySetResult(e); return Task.CompletedTask; };
            await client.StartAsync();
            Assert.NotNull(await closed.Task.WaitAsync(TimeSpan.FromSeconds(20)));
            await server.WaitForEndedConnectionsAsync(1);
            await client.DisposeAsync();
            return Normalise(server.Recorder);
        }
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_connection_open_at_shutdown_ends_as_app_shutdown(HttpTransportType transport)
    {
        var (official, lite) = (await RunAsync("official"), await RunAsync("lite"));
        Assert.Equal(official, lite);
        Assert.Contains(official, m => m.Contains("app_shutdown", StringComparison.Ordinal));

        async Task<string[]> RunAsync(string which)
        {
            await using var server = await DiagnosticsServer.StartAsync(which);
            var client = server.CreateClient(transport);
            await client.StartAsync();
            await server.StopAsync();
            await server.WaitForEndedConnectionsAsync(1);
            await client.DisposeAsync();
            return Normalise(server.Recorder);
        }
    }

    [Fact]
    public async Task A_long_polling_connection_whose_client_stops_polling_ends_as_a_timeout()
    {
        var (official, lite) = (await RunAsync("official"), await RunAsync("lite"));
        Assert.Equal(official, lite);
        Assert.Contains(official, m => m.Contains("signalr.connection.status=timeout", StringComparison.Ordinal));

        static async Task<string[]> RunAsync(string which)
        {
            await using var server = await DiagnosticsServer.StartAsync(which, disconnectTimeout: TimeSpan.FromMilliseconds(500));
            using var http = new HttpClient { BaseAddress = server.BaseAddress };
            var token = await NegotiateAsync(http);
            (await http.GetAsync($"/diag?id={token}")).EnsureSuccessStatusCode();
            (await http.PostAsync($"/diag?id={token}", new StringContent("{\"protocol\":\"json\",\"version\":1}\u001e"))).EnsureSuccessStatusCode();
            (await http.GetAsync($"/diag?id={token}")).EnsureSuccessStatusCode(); // the handshake answer; then no more polls
            await server.WaitForEndedConnectionsAsync(1);
            return Normalise(server.Recorder);
        }
    }

    [Fact]
    public async Task A_negotiated_connection_that_never_connects_is_not_counted()
    {
        // Not while it waits, and not when the server stops: only the other, real connection is measured.
        var (official, lite) = (await RunAsync("official"), await RunAsync("lite"));
        Assert.Equal(official, lite);
        Assert.Equal(3, official.Length);

        static async Task<string[]> RunAsync(string which)
        {
            var server = await DiagnosticsServer.StartAsync(which);
            using var http = new HttpClient { BaseAddress = server.BaseAddress };
            await NegotiateAsync(http);
            var client = server.CreateClient(HttpTransportType.WebSockets);
            await client.StartAsync();
            await client.DisposeAsync();
            await server.WaitForEndedConnectionsAsync(1);
            await server.DisposeAsync(); // stops the host: the unused connection is discarded now
            return Normalise(server.Recorder);
        }
    }

    [Fact]
    public async Task The_duration_histogram_advises_the_same_buckets()
    {
        await using var official = await DiagnosticsServer.StartAsync("official");
        await using var lite = await DiagnosticsServer.StartAsync("lite");
        foreach (var server in new[] { official, lite })
        {
            var client = server.CreateClient(HttpTransportType.WebSockets);
            await client.StartAsync();
            await client.DisposeAsync();
            await server.WaitForEndedConnectionsAsync(1);
        }

        Assert.NotNull(official.Recorder.DurationBuckets);
        Assert.Equal(official.Recorder.DurationBuckets, lite.Recorder.DurationBuckets);
    }

    private static string[] Normalise(DiagnosticsRecorder recorder) =>
        [.. recorder.Measurements
            .Select(m => $"{m.Instrument} {m.Type} unit={m.Unit} desc={m.Description} value={(m.Instrument.EndsWith("duration", StringComparison.Ordinal) ? (m.Value > 0 ? ">0" : "0") : m.Value)} tags={m.Tags}")
            .Order(StringComparer.Ordinal)];

    private static async Task<string> NegotiateAsync(HttpClient http)
    {
        var negotiate = await http.PostAsync("/diag/negotiate?negotiateVersion=1", null);
        negotiate.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await negotiate.Content.ReadAsStringAsync()).RootElement.GetProperty("connectionToken").GetString()!;
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DiagnosticsCollection
{
    public const string Name = "Diagnostics (process-wide listeners)";
}
