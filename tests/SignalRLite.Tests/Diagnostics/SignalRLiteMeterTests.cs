using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Protocol;
using SignalRLite.Tests.Hubs;
using SignalRLite.Tests.Infrastructure;
using SignalRLite.Tests.StatefulReconnect;

namespace SignalRLite.Tests.Diagnostics;

/// <summary>
/// The hub runtime's instruments of the <c>SignalRLite</c> meter (docs/observability.md), each driven black-box with the
/// official .NET client (or a raw WebSocket where the client cannot produce the case) and read through a
/// <see cref="MeterListener"/> scoped to the server's <see cref="IMeterFactory"/>.
/// </summary>
[Trait("Category", "Integration")]
[Collection(DiagnosticsCollection.Name)]
public sealed class SignalRLiteMeterTests
{
    private const string Meter = "SignalRLite";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Invocations_and_their_duration_are_counted_per_hub_method_and_outcome()
    {
        await using var server = await DiagnosticsServer.StartAsync("lite");
        using var recorder = new DiagnosticsRecorder(server.Services.GetRequiredService<IMeterFactory>(), "DiagHub", Meter);
        await using var client = server.CreateClient(HttpTransportType.WebSockets);
        await client.StartAsync().WaitAsync(Timeout);

        Assert.Equal("hi", await client.InvokeAsync<string>("Echo", "hi").WaitAsync(Timeout));
        Assert.Equal("ho", await client.InvokeAsync<string>("Echo", "ho").WaitAsync(Timeout));
        await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => client.InvokeAsync("Throw").WaitAsync(Timeout));
        await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => client.InvokeAsync("Fail").WaitAsync(Timeout));
        await recorder.WaitForAsync(r => Count(r, "signalrlite.server.invocation.duration") >= 4, Timeout);

        var invocations = Sums(recorder, "signalrlite.server.invocations");
        Assert.Equal(2, invocations["signalr.hub=DiagHub,signalr.method=Echo,signalrlite.outcome=success"]);
        Assert.Equal(1, invocations["signalr.hub=DiagHub,signalr.method=Throw,signalrlite.outcome=hub_exception"]);
        Assert.Equal(1, invocations["signalr.hub=DiagHub,signalr.method=Fail,signalrlite.outcome=unhandled"]);
        Assert.Equal(3, invocations.Count);

        var durations = recorder.Measurements.Where(m => m.Instrument == "signalrlite.server.invocation.duration").ToList();
        Assert.All(durations, d => Assert.Equal("s", d.Unit));
        Assert.All(durations, d => Assert.Equal("Histogram`1", d.Type));
        Assert.All(durations, d => Assert.True(d.Value is >= 0 and < 20, $"{d.Value} s"));
        Assert.Equal(2, durations.Count(d => d.Tags == "signalr.hub=DiagHub,signalr.method=Echo,signalrlite.outcome=success"));
        Assert.Equal("{invocation}", recorder.Measurements.First(m => m.Instrument == "signalrlite.server.invocations").Unit);
    }

    [Fact]
    public async Task Unknown_methods_and_binding_failures_are_counted_without_a_duration()
    {
        await using var server = await DiagnosticsServer.StartAsync("lite");
        using var recorder = new DiagnosticsRecorder(server.Services.GetRequiredService<IMeterFactory>(), "DiagHub", Meter);
        await using var client = server.CreateClient(HttpTransportType.WebSockets);
        await client.StartAsync().WaitAsync(Timeout);

        await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => client.InvokeAsync("NoSuchMethod", 1).WaitAsync(Timeout));
        await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => client.InvokeAsync("Echo", "a", "b").WaitAsync(Timeout));
        await recorder.WaitForAsync(r => Count(r, "signalrlite.server.invocations") >= 2, Timeout);

        var invocations = Sums(recorder, "signalrlite.server.invocations");
        // The target of an unknown method is the client's text: reported as _OTHER to keep the cardinality bounded.
        Assert.Equal(1, invocations["signalr.hub=DiagHub,signalr.method=_OTHER,signalrlite.outcome=unknown_method"]);
        Assert.Equal(1, invocations["signalr.hub=DiagHub,signalr.method=Echo,signalrlite.outcome=binding_failure"]);
        Assert.Equal(0, Count(recorder, "signalrlite.server.invocation.duration"));
    }

    [Fact]
    public async Task Stream_items_are_counted_in_and_out_and_a_cancelled_stream_has_its_outcome()
    {
        await using var server = await DiagnosticsServer.StartAsync("lite");
        using var recorder = new DiagnosticsRecorder(server.Services.GetRequiredService<IMeterFactory>(), "DiagHub", Meter);
        await using var client = server.CreateClient(HttpTransportType.WebSockets);
        await client.StartAsync().WaitAsync(Timeout);

        var items = new List<int>();
        await foreach (var item in client.StreamAsync<int>("Count", 3).WithCancellation(default))
        {
            items.Add(item);
        }

        Assert.Equal([1, 2, 3], items);
        Assert.Equal(10, await client.InvokeAsync<int>("Sum", Upload(4)).WaitAsync(Timeout));

        using (var cts = new CancellationTokenSource())
        {
            await using var forever = client.StreamAsync<int>("Forever", cts.Token).GetAsyncEnumerator(cts.Token);
            Assert.True(await forever.MoveNextAsync());
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await forever.MoveNextAsync());
        }

        await recorder.WaitForAsync(r => Count(r, "signalrlite.server.invocations") >= 3, Timeout);

        var streamItems = Sums(recorder, "signalrlite.server.stream_items");
        Assert.Equal(3, streamItems["signalr.hub=DiagHub,signalr.method=Count,signalrlite.direction=out"]);
        Assert.Equal(4, streamItems["signalr.hub=DiagHub,signalr.method=Sum,signalrlite.direction=in"]);
        Assert.Equal(1, streamItems["signalr.hub=DiagHub,signalr.method=Forever,signalrlite.direction=out"]);
        var invocations = Sums(recorder, "signalrlite.server.invocations");
        Assert.Equal(1, invocations["signalr.hub=DiagHub,signalr.method=Count,signalrlite.outcome=success"]);
        Assert.Equal(1, invocations["signalr.hub=DiagHub,signalr.method=Sum,signalrlite.outcome=success"]);
        Assert.Equal(1, invocations["signalr.hub=DiagHub,signalr.method=Forever,signalrlite.outcome=cancelled"]);
    }

    [Fact]
    public async Task Parsed_messages_are_counted_per_hub_protocol_and_direction_and_negotiations_are_counted()
    {
        await using var server = await DiagnosticsServer.StartAsync("lite");
        using var recorder = new DiagnosticsRecorder(server.Services.GetRequiredService<IMeterFactory>(), "DiagHub", Meter);
        await using var client = server.CreateClient(HttpTransportType.WebSockets);
        await client.StartAsync().WaitAsync(Timeout);
        for (var i = 0; i < 3; i++)
        {
            await client.InvokeAsync<string>("Echo", "x").WaitAsync(Timeout);
        }

        await recorder.WaitForAsync(r => Sum(r, "signalrlite.server.messages", "signalr.hub=DiagHub,signalrlite.direction=in,signalrlite.protocol=json") >= 3, Timeout);
        // Three Completions written (the writer counts the hub messages handed to it).
        Assert.True(Sum(recorder, "signalrlite.server.messages", "signalr.hub=DiagHub,signalrlite.direction=out,signalrlite.protocol=json") >= 3);
        Assert.Equal(1, Sum(recorder, "signalrlite.server.negotiations", ""));
        Assert.Equal("{request}", recorder.Measurements.Single(m => m.Instrument == "signalrlite.server.negotiations").Unit);
    }

    [Theory]
    [InlineData(HttpTransportType.WebSockets, "web_sockets")]
    [InlineData(HttpTransportType.ServerSentEvents, "server_sent_events")]
    [InlineData(HttpTransportType.LongPolling, "long_polling")]
    public async Task Transport_bytes_are_counted_per_transport_and_direction(HttpTransportType transport, string name)
    {
        await using var server = await DiagnosticsServer.StartAsync("lite");
        using var recorder = new DiagnosticsRecorder(server.Services.GetRequiredService<IMeterFactory>(), "DiagHub", Meter);
        await using var client = server.CreateClient(transport);
        await client.StartAsync().WaitAsync(Timeout);
        var payload = new string('p', 1000);
        Assert.Equal(payload, await client.InvokeAsync<string>("Echo", payload).WaitAsync(Timeout));

        // At least the argument in and the result out (plus handshake and framing of the hub protocol). Both are awaited:
        // a POST (SSE, Long Polling) counts its body when it ends, which may be after the result went out.
        await recorder.WaitForAsync(r => Sum(r, "signalrlite.server.bytes", $"signalr.transport={name},signalrlite.direction=out") >= 1000, Timeout);
        await recorder.WaitForAsync(r => Sum(r, "signalrlite.server.bytes", $"signalr.transport={name},signalrlite.direction=in") >= 1000, Timeout);
        Assert.All(recorder.Measurements.Where(m => m.Instrument == "signalrlite.server.bytes"), m => Assert.Equal("By", m.Unit));
    }

    [Fact]
    public async Task A_chunked_long_polling_post_is_counted_by_the_bytes_it_carried()
    {
        await using var server = await DiagnosticsServer.StartAsync("lite");
        using var recorder = new DiagnosticsRecorder(server.Services.GetRequiredService<IMeterFactory>(), "DiagHub", Meter);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var negotiate = await http.PostAsync("diag/negotiate?negotiateVersion=1", null).WaitAsync(Timeout);
        using var negotiated = System.Text.Json.JsonDocument.Parse(await negotiate.Content.ReadAsStringAsync());
        var token = Uri.EscapeDataString(negotiated.RootElement.GetProperty("connectionToken").GetString()!);
        using var firstPoll = await http.GetAsync($"diag?id={token}").WaitAsync(Timeout);
        Assert.Equal(System.Net.HttpStatusCode.OK, firstPoll.StatusCode);

        // No Content-Length: the body goes as two chunks (the handshake, then an invocation).
        string[] parts = ["{\"protocol\":\"json\",\"version\":1}\u001e", "{\"type\":1,\"invocationId\":\"1\",\"target\":\"Echo\",\"arguments\":[\"chunked\"]}\u001e"];
        using var post = new HttpRequestMessage(HttpMethod.Post, $"diag?id={token}") { Content = new ChunkedContent(parts) };
        post.Headers.TransferEncodingChunked = true;
        using var posted = await http.SendAsync(post).WaitAsync(Timeout);
        Assert.Equal(System.Net.HttpStatusCode.OK, posted.StatusCode);
        Assert.Null(post.Content.Headers.ContentLength);

        // The poll brings the handshake response and the Echo's completion: the POST was read in full.
        var answered = "";
        for (var polls = 0; polls < 5 && !answered.Contains("chunked", StringComparison.Ordinal); polls++)
        {
            using var poll = await http.GetAsync($"diag?id={token}").WaitAsync(Timeout);
            answered += await poll.Content.ReadAsStringAsync();
        }

        Assert.Contains("chunked", answered, StringComparison.Ordinal);

        var expected = parts.Sum(p => Encoding.UTF8.GetByteCount(p));
        Assert.Equal(expected, Sum(recorder, "signalrlite.server.bytes", "signalr.transport=long_polling,signalrlite.direction=in"));
        using var delete = await http.DeleteAsync($"diag?id={token}").WaitAsync(Timeout);
    }

    /// <summary>A request body of unknown length, written in parts with a flush after each (sent chunked).</summary>
    private sealed class ChunkedContent(string[] parts) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            foreach (var part in parts)
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(part));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Fact]
    public async Task Sends_through_the_hub_clients_are_counted_by_target_kind()
    {
        await using var server = await DiagnosticsServer.StartAsync("lite");
        using var recorder = new DiagnosticsRecorder(server.Services.GetRequiredService<IMeterFactory>(), "DiagHub", Meter);
        await using var client = server.CreateClient(HttpTransportType.WebSockets);
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var count = 0;
        client.On<string>("note", _ =>
        {
            if (Interlocked.Increment(ref count) == 3)
            {
                received.TrySetResult();
            }
        });
        await client.StartAsync().WaitAsync(Timeout);
        // The handshake is answered before the connection is registered for sends; an invocation is handled after.
        Assert.Equal("ready", await client.InvokeAsync<string>("Echo", "ready").WaitAsync(Timeout));

        var context = server.Services.GetRequiredService<IHubContext<Lite.DiagHub>>();
        await context.Clients.All.SendAsync("note", "a");
        await context.Clients.Client(client.ConnectionId!).SendAsync("note", "b");
        await context.Clients.AllExcept([client.ConnectionId!]).SendAsync("note", "never");
        await context.Clients.Group("nobody").SendAsync("note", "never");
        await context.Clients.Clients([client.ConnectionId!]).SendAsync("note", "c");
        await received.Task.WaitAsync(Timeout);

        var sends = Sums(recorder, "signalrlite.server.sends");
        Assert.Equal(1, sends["signalr.hub=DiagHub,signalrlite.target=all"]);
        Assert.Equal(1, sends["signalr.hub=DiagHub,signalrlite.target=connection"]);
        Assert.Equal(1, sends["signalr.hub=DiagHub,signalrlite.target=all_except"]);
        Assert.Equal(1, sends["signalr.hub=DiagHub,signalrlite.target=group"]);
        Assert.Equal(1, sends["signalr.hub=DiagHub,signalrlite.target=connections"]);
        Assert.Equal(5, sends.Count);

        // Connections of this server each send was written to (a send to one connection has no fan-out).
        var fanOut = recorder.Measurements.Where(m => m.Instrument == "signalrlite.server.send.fan_out")
            .ToDictionary(m => m.Tags, m => m.Value, StringComparer.Ordinal);
        Assert.Equal(1, fanOut["signalr.hub=DiagHub,signalrlite.target=all"]);
        Assert.Equal(0, fanOut["signalr.hub=DiagHub,signalrlite.target=all_except"]);
        Assert.Equal(0, fanOut["signalr.hub=DiagHub,signalrlite.target=group"]);
        Assert.Equal(1, fanOut["signalr.hub=DiagHub,signalrlite.target=connections"]);
        Assert.Equal(4, fanOut.Count);
        Assert.Equal("{connection}", recorder.Measurements.First(m => m.Instrument == "signalrlite.server.send.fan_out").Unit);
    }

    [Theory]
    [InlineData("{\"protocol\":\"nope\",\"version\":1}", "unsupported_protocol")]
    [InlineData("{\"protocol\":\"json\",\"version\":99}", "unsupported_version")]
    [InlineData("not a handshake", "malformed")]
    public async Task Handshake_failures_are_counted_by_reason(string request, string reason)
    {
        await using var server = await DiagnosticsServer.StartAsync("lite");
        using var recorder = new DiagnosticsRecorder(server.Services.GetRequiredService<IMeterFactory>(), "DiagHub", Meter);
        using var socket = new ClientWebSocket();
        var uri = new UriBuilder(new Uri(server.BaseAddress, "diag")) { Scheme = "ws" }.Uri;
        await socket.ConnectAsync(uri, CancellationToken.None).WaitAsync(Timeout);
        await socket.SendAsync(Encoding.UTF8.GetBytes(request + "\u001e"), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).WaitAsync(Timeout);

        // The server answers with an error and closes.
        var buffer = new byte[4096];
        var received = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(Timeout);
        Assert.Contains("\"error\"", Encoding.UTF8.GetString(buffer, 0, received.Count), StringComparison.Ordinal);

        await recorder.WaitForAsync(r => Count(r, "signalrlite.server.handshake_failures") >= 1, Timeout);
        AssertOnlyHandshakeFailure(recorder, "DiagHub", reason);
    }

    [Fact]
    public async Task A_handshake_timeout_is_counted_with_reason_timeout()
    {
        // The handshake deadline runs on the heartbeat of the injected TimeProvider: fake time, no waiting.
        await using var server = FakeTimeHubServer.Create(o => o.HandshakeTimeout = TimeSpan.FromSeconds(15));
        using var recorder = new DiagnosticsRecorder(server.Server.Services.GetRequiredService<IMeterFactory>(), "TestHub", Meter);
        var client = await server.Server.ConnectAsync(handshake: false);
        // The deadline is set when the handler starts, just before it joins the heartbeat: wait for that event.
        // (The heartbeat's count raises no event: polled.)
        await TestWaits.UntilAsync(() => server.Heartbeat.ConnectionCount == 1, "the handler never joined the heartbeat");

        server.Advance(TimeSpan.FromSeconds(14));
        Assert.Equal(0, Count(recorder, "signalrlite.server.handshake_failures"));
        server.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("Handshake was canceled.", (await client.ReadJsonAsync()).GetProperty("error").GetString());
        await client.HandlerTask.WaitAsync(TestConnection.DefaultTimeout);

        AssertOnlyHandshakeFailure(recorder, "TestHub", "timeout");
    }

    [Fact]
    public async Task A_binary_protocol_on_a_text_only_transport_is_counted_with_reason_transfer_format()
    {
        await using var server = HubTestServer.Create<TestHub>(builder: b => b.AddMessagePackProtocol());
        using var recorder = new DiagnosticsRecorder(server.Services.GetRequiredService<IMeterFactory>(), "TestHub", Meter);
        var connection = new TestConnection(Microsoft.AspNetCore.Connections.TransferFormat.Text);
        await server.ConnectAsync(handshake: false, connection: connection);
        await connection.SendAsync("{\"protocol\":\"messagepack\",\"version\":1}\u001e");

        Assert.Contains("does not support the 'Binary' transfer format", (await connection.ReadJsonAsync()).GetProperty("error").GetString(), StringComparison.Ordinal);
        await connection.HandlerTask.WaitAsync(TestConnection.DefaultTimeout);
        AssertOnlyHandshakeFailure(recorder, "TestHub", "transfer_format");
    }

    [Fact]
    public async Task An_unauthorized_invocation_is_counted_with_outcome_unauthorized_and_a_refused_negotiate_is_not_a_negotiation()
    {
        await using var server = await Security.AuthTestServer.StartAsync(official: false, app => app.MapHub<Security.MethodAuthHub>("/secure").RequireAuthorization());
        using var recorder = new DiagnosticsRecorder(server.Services.GetRequiredService<IMeterFactory>(), "MethodAuthHub", Meter);
        var anonymous = await server.ConnectAsync("/method", token: null);
        await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => anonymous.InvokeAsync<string>("Secret"));
        Assert.Equal("public", await anonymous.InvokeAsync<string>("Public"));
        await recorder.WaitForAsync(r => Count(r, "signalrlite.server.invocations") >= 2, Timeout);

        var invocations = Sums(recorder, "signalrlite.server.invocations");
        Assert.Equal(1, invocations["signalr.hub=MethodAuthHub,signalr.method=Secret,signalrlite.outcome=unauthorized"]);
        Assert.Equal(1, invocations["signalr.hub=MethodAuthHub,signalr.method=Public,signalrlite.outcome=success"]);

        // A negotiate that the endpoint's authorization refuses (401) never reaches SignalRLite: not a negotiation.
        var negotiationsBefore = Sum(recorder, "signalrlite.server.negotiations", "");
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var refused = await http.PostAsync("secure/negotiate?negotiateVersion=1", null);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(negotiationsBefore, Sum(recorder, "signalrlite.server.negotiations", ""));
    }

    [Fact]
    public async Task A_stalled_client_is_counted_in_the_outbound_queue_and_as_a_slow_consumer_close()
    {
        const int limit = 50;
        var disconnected = new Signal<string>();
        await using var host = await HubAppHost.StartAsync(
            HubHostKind.Kestrel,
            services =>
            {
                services.AddSingleton(disconnected);
                services.AddSignalRLite(o => o.MaximumQueuedMessagesPerClient = limit);
            },
            app => app.MapHub<SlowClientTests.SlowClientHub>("/slow"));
        using var recorder = new DiagnosticsRecorder(host.Services.GetRequiredService<IMeterFactory>(), "SlowClientHub", Meter);
        using var stalled = await SlowClientTests.ConnectStalledAsync(host.BaseAddress);

        var context = host.Services.GetRequiredService<IHubContext<SlowClientTests.SlowClientHub>>();
        var payload = new string('x', 16 * 1024);
        for (var sent = 0; sent < 3_000 && !disconnected.Task.IsCompleted; sent++)
        {
            await context.Clients.All.SendAsync("m", sent, payload).WaitAsync(Timeout);
        }

        await disconnected.WaitAsync();
        await recorder.WaitForAsync(r => Count(r, "signalrlite.server.slow_consumer_closes") >= 1, Timeout);
        Assert.Equal(1, Sum(recorder, "signalrlite.server.slow_consumer_closes", "signalr.hub=SlowClientHub"));

        // More than the limit queued behind the stalled client; once it is closed they drain (the output is closed).
        var queuedIn = recorder.Measurements.Count(m => m.Instrument == "signalrlite.server.outbound_queue" && m.Value > 0);
        Assert.True(queuedIn > limit, $"{queuedIn} queued");
        await recorder.WaitForAsync(r => Sum(r, "signalrlite.server.outbound_queue", "signalr.hub=SlowClientHub") == 0, Timeout);
    }

    [Fact]
    public async Task A_stateful_reattach_is_counted()
    {
        await using var server = await StatefulReconnectServer.StartAsync();
        using var recorder = new DiagnosticsRecorder(server.Host.Services.GetRequiredService<IMeterFactory>(), "ReconnectHub", Meter);
        var client = server.CreateClient("json");
        await using var _ = client;
        await client.StartAsync().WaitAsync(Timeout);
        await client.InvokeAsync<string>("GetConnectionId").WaitAsync(Timeout);

        Assert.True(await server.Proxy.DropAllBetweenMessages() > 0);
        await recorder.WaitForAsync(r => Count(r, "signalrlite.server.reattaches") >= 1, TimeSpan.FromSeconds(60));
        // The logical connection survives: the client keeps invoking on it.
        await client.InvokeAsync<string>("GetConnectionId").WaitAsync(Timeout);

        Assert.Equal(1, Sum(recorder, "signalrlite.server.reattaches", "signalr.hub=ReconnectHub"));
        // Replayed bytes are recorded only when something was unacknowledged at the drop; never a zero or negative amount.
        Assert.All(recorder.Measurements.Where(m => m.Instrument == "signalrlite.server.replayed_bytes"), m =>
        {
            Assert.True(m.Value > 0);
            Assert.Equal("By", m.Unit);
        });
    }

    private static async IAsyncEnumerable<int> Upload(int n)
    {
        for (var i = 1; i <= n; i++)
        {
            await Task.Yield();
            yield return i;
        }
    }

    private static void AssertOnlyHandshakeFailure(DiagnosticsRecorder recorder, string hub, string reason)
    {
        var failures = Sums(recorder, "signalrlite.server.handshake_failures");
        Assert.Equal(1, failures[$"signalr.hub={hub},signalrlite.reason={reason}"]);
        Assert.Single(failures);
    }

    private static int Count(DiagnosticsRecorder recorder, string instrument) =>
        recorder.Measurements.Count(m => m.Instrument == instrument);

    private static double Sum(DiagnosticsRecorder recorder, string instrument, string tags) =>
        recorder.Measurements.Where(m => m.Instrument == instrument && m.Tags == tags).Sum(m => m.Value);

    private static Dictionary<string, double> Sums(DiagnosticsRecorder recorder, string instrument) =>
        recorder.Measurements.Where(m => m.Instrument == instrument)
            .GroupBy(m => m.Tags, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(m => m.Value), StringComparer.Ordinal);
}
