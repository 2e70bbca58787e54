using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SignalRLite.Internal.Transports;
using SignalRLite.Tests.Hubs;
using SignalRLite.Tests.Infrastructure;
using SignalRLite.Tests.Interop;
using SignalRLite.Http.Connections;

namespace SignalRLite.Tests.Security;

/// <summary>Heap measurements need the process to themselves: this collection runs alone.</summary>
[CollectionDefinition(nameof(HostileInputTests), DisableParallelization = true)]
public sealed class HostileInputCollection
{
}

/// <summary>
/// Input no client should send, on Kestrel (127.0.0.1). In each case only the offending connection closes (with a
/// reason) or gets an error, memory stays bounded, and a second official client keeps invoking successfully.
/// </summary>
[Collection(nameof(HostileInputTests))]
[Trait("Category", "Integration")]
public class HostileInputTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static async Task AssertWitnessWorksAsync(HubConnection witness)
    {
        var text = Guid.NewGuid().ToString("N");
        Assert.Equal(text, await witness.InvokeAsync<string>("Echo", text).WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private static async Task AssertStillWorksAsync(RawHubSocket raw, string id = "ok")
    {
        await raw.InvokeAsync(id, "Echo", "[\"alive\"]");
        Assert.Equal("alive", (await raw.ReceiveCompletionAsync(id)).GetProperty("result").GetString());
    }

    [Fact]
    public async Task TruncatedFrameThenEndOfStreamClosesOnlyThatConnection()
    {
        await using var host = await InteropHost.StartAsync(HubHostKind.Kestrel);
        var witness = await host.ConnectAsync("/hub");
        using var raw = await RawHubSocket.ConnectAsync(host);

        await raw.SendTextAsync("{\"type\":1,\"invocationId\":\"1\",\"target\":\"Echo\",\"argu");
        await raw.CloseOutputAsync();
        Assert.Null(await raw.ReceiveAsync());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, raw.CloseStatus);
        await AssertWitnessWorksAsync(witness);
    }

    [Fact]
    public async Task TruncatedFrameBeyondTheSizeLimitClosesWithTheReason()
    {
        // The reason is named with detailed errors only, as on the official server.
        await using var host = await InteropHost.StartAsync(HubHostKind.Kestrel, o =>
        {
            o.MaximumReceiveMessageSize = 4096;
            o.EnableDetailedErrors = true;
        });
        var witness = await host.ConnectAsync("/hub");
        using var raw = await RawHubSocket.ConnectAsync(host);

        // A message that never ends: the server does not buffer it beyond the limit.
        await raw.SendTextAsync("{\"type\":1,\"target\":\"Echo\",\"arguments\":[\"" + new string('a', 8192));
        var close = await raw.ReceiveCloseAsync();
        Assert.Contains("The maximum message size of 4096B was exceeded", close.GetProperty("error").GetString());
        await AssertWitnessWorksAsync(witness);
    }

    [Fact]
    public async Task InvalidUtf8FailsTheInvocationOrClosesTheConnection()
    {
        await using var host = await InteropHost.StartAsync(HubHostKind.Kestrel);
        var witness = await host.ConnectAsync("/hub");
        using var raw = await RawHubSocket.ConnectAsync(host);

        var bytes = Encoding.UTF8.GetBytes("{\"type\":1,\"invocationId\":\"1\",\"target\":\"Echo\",\"arguments\":[\"XX\"]}\u001e");
        var at = Array.IndexOf(bytes, (byte)'X');
        bytes[at] = 0xFF;
        bytes[at + 1] = 0xFE;
        await raw.SendAsync(bytes);

        // In an argument: that invocation fails to bind, the connection stays.
        Assert.Equal("Failed to invoke 'Echo' due to an error on the server.", (await raw.ReceiveCompletionAsync("1")).GetProperty("error").GetString());
        await AssertStillWorksAsync(raw);

        // In the target name: refused with an error (no method can have that name); the connection stays.
        var target = Encoding.UTF8.GetBytes("{\"type\":1,\"invocationId\":\"2\",\"target\":\"EcXXho\",\"arguments\":[\"a\"]}\u001e");
        at = Array.IndexOf(target, (byte)'X');
        target[at] = 0xC3;
        target[at + 1] = 0x28;
        await raw.SendAsync(target);
        var reply = await raw.ReceiveAsync();
        Assert.NotNull(reply);
        Assert.Contains("\"error\":", reply);
        Assert.DoesNotContain("\"result\"", reply);
        await AssertWitnessWorksAsync(witness);
    }

    [Fact]
    public async Task JsonNestedTenThousandDeepIsRefused()
    {
        await using var host = await InteropHost.StartAsync(HubHostKind.Kestrel, o => o.MaximumReceiveMessageSize = 64 * 1024);
        var witness = await host.ConnectAsync("/hub");
        using var raw = await RawHubSocket.ConnectAsync(host);

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var deep = new string('[', 10_000) + new string(']', 10_000);
        await raw.InvokeAsync("1", "Raw", "[" + deep + "]");
        var close = await raw.ReceiveCloseAsync();
        Assert.Equal("Connection closed with an error.", close.GetProperty("error").GetString());
        Assert.True(GC.GetTotalMemory(forceFullCollection: true) - before < 16 * 1024 * 1024);
        await AssertWitnessWorksAsync(witness);
    }

    [Fact]
    public async Task HundredThousandElementArgumentArray()
    {
        // Within a raised size limit the array is parsed and refused by binding (wrong count); the connection stays.
        await using var host = await InteropHost.StartAsync(HubHostKind.Kestrel, o => o.MaximumReceiveMessageSize = 1024 * 1024);
        var witness = await host.ConnectAsync("/hub");
        using var raw = await RawHubSocket.ConnectAsync(host);
        var args = "[" + string.Join(",", Enumerable.Repeat("1", 100_000)) + "]";

        await raw.InvokeAsync("1", "Echo", args);
        var completion = await raw.ReceiveCompletionAsync("1");
        Assert.Equal("Failed to invoke 'Echo' due to an error on the server.", completion.GetProperty("error").GetString());
        await AssertStillWorksAsync(raw);

        // As the single argument of an int[] method it binds and works.
        await raw.InvokeAsync("2", "Reverse", "[" + args + "]");
        Assert.Equal(100_000, (await raw.ReceiveCompletionAsync("2")).GetProperty("result").GetArrayLength());

        // With the default 32 KB limit the same message closes the connection (the reason only with detailed errors).
        await using var strict = await InteropHost.StartAsync(HubHostKind.Kestrel);
        using var rawStrict = await RawHubSocket.ConnectAsync(strict);
        await rawStrict.InvokeAsync("1", "Echo", args);
        Assert.Equal("Connection closed with an error.", (await rawStrict.ReceiveCloseAsync()).GetProperty("error").GetString());
        await AssertWitnessWorksAsync(witness);
    }

    [Fact]
    public async Task ArgumentsThatDoNotBindGetACompletionError()
    {
        await using var host = await InteropHost.StartAsync(HubHostKind.Kestrel);
        var witness = await host.ConnectAsync("/hub");
        using var raw = await RawHubSocket.ConnectAsync(host);

        string[] bad = ["[\"x\",{}]", "[1]", "[1,2,3]", "[null,null]", "[1.5,2]", "[99999999999999999999,1]", "{}", "\"text\""];
        for (var i = 0; i < bad.Length; i++)
        {
            await raw.InvokeAsync("b" + i, "Add", bad[i]);
            var completion = await raw.ReceiveAsync();
            if (completion is null || JsonDocument.Parse(completion).RootElement.GetProperty("type").GetInt32() == 7)
            {
                // "arguments" that is not an array is a protocol error: the connection closes with a reason.
                Assert.True(bad[i][0] != '[', $"{bad[i]} closed the connection: {completion}");
                Assert.Contains("\"error\":\"Connection closed with an error.\"", completion);
                raw.Dispose();
                await AssertWitnessWorksAsync(witness);
                return;
            }

            Assert.Equal("Failed to invoke 'Add' due to an error on the server.", JsonDocument.Parse(completion).RootElement.GetProperty("error").GetString());
        }

        await AssertStillWorksAsync(raw);
        await AssertWitnessWorksAsync(witness);
    }

    [Fact]
    public async Task StreamIdsAndCompletionsThatDoNotExistAreIgnored()
    {
        await using var host = await InteropHost.StartAsync(HubHostKind.Kestrel);
        var witness = await host.ConnectAsync("/hub");
        using var raw = await RawHubSocket.ConnectAsync(host);

        await raw.SendTextAsync("{\"type\":2,\"invocationId\":\"nope\",\"item\":1}\u001e");
        await raw.SendTextAsync("{\"type\":3,\"invocationId\":\"nope\"}\u001e");
        await raw.SendTextAsync("{\"type\":3,\"invocationId\":\"unknown-invocation\",\"result\":42}\u001e");
        await raw.SendTextAsync("{\"type\":3,\"invocationId\":\"unknown-error\",\"error\":\"x\"}\u001e");
        await raw.SendTextAsync("{\"type\":5,\"invocationId\":\"never-started\"}\u001e");
        await AssertStillWorksAsync(raw);

        // An invocation naming stream ids its method does not take gets an error.
        await raw.SendTextAsync("{\"type\":1,\"invocationId\":\"s\",\"target\":\"Echo\",\"arguments\":[\"x\"],\"streamIds\":[\"a\"]}\u001e");
        Assert.Equal("Failed to invoke 'Echo' due to an error on the server.", (await raw.ReceiveCompletionAsync("s")).GetProperty("error").GetString());
        await AssertStillWorksAsync(raw, "ok2");
        await AssertWitnessWorksAsync(witness);
    }

    [Fact]
    public async Task OverlongInvocationIdsCloseTheConnectionAndDuplicatesRunAsOnTheOfficialServer()
    {
        await using var host = await InteropHost.StartAsync(HubHostKind.Kestrel);
        var witness = await host.ConnectAsync("/hub");
        using (var raw = await RawHubSocket.ConnectAsync(host))
        {
            await raw.InvokeAsync(new string('i', 1024), "Echo", "[\"limit\"]");
            Assert.Equal("limit", (await raw.ReceiveCompletionAsync(new string('i', 1024))).GetProperty("result").GetString());
            await raw.InvokeAsync(new string('i', 1025), "Echo", "[\"x\"]");
            Assert.Equal("Connection closed with an error.", (await raw.ReceiveCloseAsync()).GetProperty("error").GetString());
        }

        using (var raw = await RawHubSocket.ConnectAsync(host))
        {
            await raw.InvokeAsync("same", "Gate", "[\"dup\"]");
            await host.Probe().Started("dup").WaitAsync();
            await raw.InvokeAsync("same", "Echo", "[\"x\"]");
            host.Probe().Gate("dup").TrySetResult();
            Assert.Equal("dup", (await raw.ReceiveCompletionAsync("same")).GetProperty("result").GetString());
            Assert.Equal("x", (await raw.ReceiveCompletionAsync("same")).GetProperty("result").GetString());
        }

        await AssertWitnessWorksAsync(witness);
    }

    [Fact]
    public async Task InvocationFloodIsHeldBackByBackpressure()
    {
        const int Flood = 20_000;
        await using var host = await InteropHost.StartAsync(HubHostKind.Kestrel, o => o.MaximumParallelInvocationsPerClient = 1);
        var witness = await host.ConnectAsync("/hub");
        using var raw = await RawHubSocket.ConnectAsync(host);
        var probe = host.Probe();
        await raw.InvokeAsync("id", "Caller", "[]");
        var connection = Connection(host, (await raw.ReceiveCompletionAsync("id")).GetProperty("result").GetString()!);

        await raw.InvokeAsync("gate", "Gate", "[\"flood\"]");
        await probe.Started("flood").WaitAsync();
        var before = GC.GetTotalMemory(forceFullCollection: true);

        var payload = new string('p', 1000);
        using var sendCts = new CancellationTokenSource();
        var sender = Task.Run(async () =>
        {
            for (var i = 0; i < Flood; i++)
            {
                await raw.SendAsync(Encoding.UTF8.GetBytes($"{{\"type\":1,\"invocationId\":\"{i}\",\"target\":\"Echo\",\"arguments\":[\"{payload}\"]}}\u001e"), WebSocketMessageType.Text, sendCts.Token);
            }
        });

        // The queue fills up to its bound and the server stops reading: the 20 MB the client tries to send stay
        // in socket buffers and the client's send blocks. The queue's count raises no event: polled.
        await TestWaits.UntilAsync(
            () => connection.Invocations!.QueuedCount >= Internal.Hubs.HubConnectionInvocations.MaxQueuedInvocations, "the queue never filled");

        await AssertWitnessWorksAsync(witness);
        Assert.False(sender.IsCompleted, "the flood was accepted without backpressure");
        Assert.Equal(Internal.Hubs.HubConnectionInvocations.MaxQueuedInvocations, connection.Invocations!.QueuedCount);
        var growth = GC.GetTotalMemory(forceFullCollection: true) - before;
        output.WriteLine($"flood: heap grew by {growth} bytes with {connection.Invocations.QueuedCount} invocations queued");
        Assert.True(growth < 8 * 1024 * 1024, $"heap grew by {growth} bytes");

        // Released, everything is processed in order.
        probe.Gate("flood").TrySetResult();
        Assert.Equal("flood", (await raw.ReceiveCompletionAsync("gate")).GetProperty("result").GetString());
        for (var i = 0; i < Flood; i++)
        {
            var message = await raw.ReceiveAsync();
            Assert.Contains($"\"invocationId\":\"{i}\"", message);
        }

        await sender;
        Assert.Equal(1, probe.MaxRunning);
        await AssertWitnessWorksAsync(witness);
    }

    [Fact]
    public async Task SlowlorisHandshakeIsClosedByTheHandshakeTimeout()
    {
        // Fake time (the hub layer's clock; Kestrel keeps its own): one byte of the handshake a second, never the
        // whole of it. The handshake deadline is 15 s from the start whatever arrives before it.
        var time = new FakeTimeProvider();
        await using var host = await InteropHost.StartAsync(
            HubHostKind.Kestrel, o => o.HandshakeTimeout = TimeSpan.FromSeconds(15), services: s => s.AddSingleton<TimeProvider>(time));
        var witness = await host.ConnectAsync("/hub");
        var heartbeat = host.Services.GetRequiredService<Internal.Hubs.HubConnectionHeartbeat>();
        using var raw = await RawHubSocket.ConnectAsync(host, handshake: false);
        // The deadline is set when the handler starts, just before it joins the heartbeat (its count raises no event).
        await TestWaits.UntilAsync(() => heartbeat.ConnectionCount == 2, "the raw connection's handler never joined the heartbeat");
        var handshake = Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e");
        var response = raw.ReceiveAsync();
        for (var second = 0; second < 15; second++)
        {
            await raw.SendAsync([handshake[second]], WebSocketMessageType.Text);
            Assert.False(response.IsCompleted, $"answered after {second} s");
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal("{\"error\":\"Handshake was canceled.\"}", await response);
        Assert.Null(await raw.ReceiveAsync());
        await AssertWitnessWorksAsync(witness);
    }

    [Fact]
    public async Task ThousandConcurrentLongPollsForOneConnection()
    {
        await using var host = await InteropHost.StartAsync(HubHostKind.Kestrel);
        var witness = await host.ConnectAsync("/hub");
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 2000 }) { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var negotiate = await (await http.PostAsync("/hub/negotiate?negotiateVersion=1", null)).Content.ReadFromJsonAsync<JsonElement>();
        var token = negotiate.GetProperty("connectionToken").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/hub?id={token}")).StatusCode);
        await http.PostAsync($"/hub?id={token}", new StringContent("{\"protocol\":\"json\",\"version\":1}\u001e"));
        Assert.Equal("{}\u001e", await http.GetStringAsync($"/hub?id={token}"));

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var polls = Enumerable.Range(0, 1000).Select(_ => http.GetAsync($"/hub?id={token}")).ToArray();

        // Each newer poll ends the older one with 204; exactly one stays and receives the next message.
        await http.PostAsync($"/hub?id={token}", new StringContent("{\"type\":1,\"invocationId\":\"1\",\"target\":\"Echo\",\"arguments\":[\"lp\"]}\u001e"));
        var statuses = new List<HttpStatusCode>();
        var delivered = new StringBuilder();
        var pending = polls.ToList();
        var deleted = false;
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending).WaitAsync(TimeSpan.FromSeconds(30));
            pending.Remove(done);
            var response = await done;
            statuses.Add(response.StatusCode);
            delivered.Append(await response.Content.ReadAsStringAsync());
            if (!deleted && pending.Count == 1 && delivered.ToString().Contains("\"result\":\"lp\""))
            {
                // The message was delivered; the last poll would wait for the poll timeout: end the connection.
                deleted = true;
                Assert.Equal(HttpStatusCode.Accepted, (await http.DeleteAsync($"/hub?id={token}")).StatusCode);
            }
        }

        Assert.Contains("\"result\":\"lp\"", delivered.ToString());
        Assert.True(statuses.Count(s => s == HttpStatusCode.NoContent) >= 998, string.Join(",", statuses.GroupBy(s => s).Select(g => $"{g.Key}:{g.Count()}")));
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.NoContent or HttpStatusCode.OK));
        Assert.True(GC.GetTotalMemory(forceFullCollection: true) - before < 32 * 1024 * 1024);
        await AssertWitnessWorksAsync(witness);
    }

    [Fact]
    public async Task GuessedAndReusedConnectionTokensAreRefused()
    {
        await using var host = await InteropHost.StartAsync(HubHostKind.Kestrel);
        var witness = await host.ConnectAsync("/hub");
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        var negotiate = await (await http.PostAsync("/hub/negotiate?negotiateVersion=1", null)).Content.ReadFromJsonAsync<JsonElement>();
        var token = negotiate.GetProperty("connectionToken").GetString()!;
        var connectionId = negotiate.GetProperty("connectionId").GetString()!;
        Assert.Equal(22, token.Length);

        // Guessed tokens, and the public connection ID used as a token.
        foreach (var guess in new[] { "AAAAAAAAAAAAAAAAAAAAAA", token[..^1] + (token[^1] == 'A' ? 'B' : 'A'), connectionId })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/hub?id={Uri.EscapeDataString(guess)}")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync($"/hub?id={Uri.EscapeDataString(guess)}", new StringContent("x"))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync($"/hub?id={Uri.EscapeDataString(guess)}")).StatusCode);
        }

        // A token reused after its WebSocket connection ended.
        var wsNegotiate = await (await http.PostAsync("/hub/negotiate?negotiateVersion=1", null)).Content.ReadFromJsonAsync<JsonElement>();
        var wsToken = wsNegotiate.GetProperty("connectionToken").GetString()!;
        var wsUri = new Uri($"ws://{host.BaseAddress.Authority}/hub?id={wsToken}");
        using (var first = new RawHubSocket(await ConnectWebSocketAsync(wsUri)))
        {
            await first.SendTextAsync("{\"protocol\":\"json\",\"version\":1}\u001e");
            Assert.Equal("{}", await first.ReceiveAsync());
            await first.CloseOutputAsync();
            Assert.Null(await first.ReceiveAsync());
        }

        var watch = Stopwatch.StartNew();
        while (await WebSocketStatusAsync(wsUri) != HttpStatusCode.NotFound)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
        }

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/hub?id={wsToken}")).StatusCode);

        // Long Polling: a connection ended by DELETE.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/hub?id={token}")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await http.DeleteAsync($"/hub?id={token}")).StatusCode);
        watch.Restart();
        while ((await http.GetAsync($"/hub?id={token}")).StatusCode != HttpStatusCode.NotFound)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
        }

        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync($"/hub?id={token}", new StringContent("x"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, await WebSocketStatusAsync(new Uri($"ws://{host.BaseAddress.Authority}/hub?id={token}")));
        await AssertWitnessWorksAsync(witness);
    }

    [Fact]
    public async Task NegotiateFloodIsCleanedUpAfterTheDisconnectTimeout()
    {
        const int Negotiates = 5_000;
        await using var host = await InteropHost.StartAsync(HubHostKind.Kestrel, services: s => s.Configure<ConnectionOptions>(o => o.DisconnectTimeout = TimeSpan.FromMilliseconds(1500)));
        var witness = await host.ConnectAsync("/hub");
        var manager = host.Services.GetRequiredService<HttpConnectionManager>();
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        var before = GC.GetTotalMemory(forceFullCollection: true);

        var watch = Stopwatch.StartNew();
        await Parallel.ForAsync(0, Negotiates, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (_, ct) =>
        {
            using var response = await http.PostAsync("/hub/negotiate?negotiateVersion=1", null, ct);
            response.EnsureSuccessStatusCode();
        });
        var peak = manager.Count;
        var perConnection = (GC.GetTotalMemory(forceFullCollection: true) - before) / Negotiates;
        await AssertWitnessWorksAsync(witness);

        // Only the witness is left once the disconnect timeout has swept the never-used connections.
        await manager.WaitForCountAsync(1, TimeSpan.FromSeconds(20));

        output.WriteLine($"negotiate flood: peak {peak} connections, {perConnection} bytes each, cleaned up after {watch.Elapsed}");
        Assert.InRange(peak, 1, Negotiates + 1);
        Assert.True(perConnection < 8 * 1024, $"{perConnection} bytes per pending connection");
        await AssertWitnessWorksAsync(witness);
    }

    private static HubConnectionContext Connection(HubAppHost host, string connectionId) =>
        HubConnections.Of<TestHub>(host.Services)[connectionId];

    private static async Task<WebSocket> ConnectWebSocketAsync(Uri uri)
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(uri, CancellationToken.None);
        return socket;
    }

    private static async Task<HttpStatusCode> WebSocketStatusAsync(Uri uri)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        try
        {
            await socket.ConnectAsync(uri, CancellationToken.None);
            return HttpStatusCode.SwitchingProtocols;
        }
        catch (WebSocketException)
        {
            return socket.HttpStatusCode;
        }
    }
}
