using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Infrastructure;
using static SignalRLite.Tests.Hubs.HubTestServer;
using static SignalRLite.Tests.RateLimiting.HubRateLimitingTests;

namespace SignalRLite.Tests.RateLimiting;

/// <summary>What a rejection does (Error, Drop, Close), concurrency leases, and the rejection counter.</summary>
public class HubRateLimitActionTests
{
    private static readonly TimeSpan LongWindow = TimeSpan.FromHours(1);

    private static void OnePerConnection(HubRateLimiterOptions o, HubRateLimitAction action) =>
        o.AddFixedWindowLimiter("method", HubRateLimitScope.Connection, w => { w.PermitLimit = 1; w.Window = LongWindow; }, action);

    private static async Task<JsonElement> NextAsync(TestConnection connection) => await connection.ReadNonPingAsync();

    /// <summary>A server whose every invocation needs a permit of one concurrency policy.</summary>
    private static InMemoryHubServer<LimitedHub> WithGlobalConcurrency(string policy, HubRateLimitScope scope, Action<System.Threading.RateLimiting.ConcurrencyLimiterOptions> configure, RateLimitGate gate) =>
        CreateLimited<LimitedHub>(o =>
        {
            o.AddConcurrencyLimiter(policy, scope, configure);
            o.GlobalPolicies.Add(policy);
        }, gate);

    [Fact]
    public async Task Drop_answers_nothing_and_the_connection_goes_on()
    {
        await using var server = CreateLimited<LimitedHub>(o => OnePerConnection(o, HubRateLimitAction.Drop));
        var a = await server.ConnectAsync();
        await a.SendAsync(Invocation("1", "Limited"));
        Assert.Equal("1", (await NextAsync(a)).GetProperty("invocationId").GetString());
        await a.SendAsync(Invocation("2", "Limited"));
        await a.SendAsync(Invocation("3", "Echo", 5));
        // The next message answers invocation 3: invocation 2 was dropped without a Completion.
        var next = await NextAsync(a);
        Assert.Equal("3", next.GetProperty("invocationId").GetString());
        Assert.Equal(5, next.GetProperty("result").GetInt32());
    }

    [Fact]
    public async Task Error_drops_a_non_blocking_send_that_has_no_invocation_id_to_answer()
    {
        await using var server = CreateLimited<LimitedHub>(o => OnePerConnection(o, HubRateLimitAction.Error));
        var a = await server.ConnectAsync();
        await a.SendAsync(Invocation(null, "Limited"));
        await a.SendAsync(Invocation(null, "Limited"));
        await a.SendAsync(Invocation("3", "Echo", 5));
        Assert.Equal("3", (await NextAsync(a)).GetProperty("invocationId").GetString());
    }

    [Fact]
    public async Task Close_closes_the_connection_with_the_policy_in_the_error_and_no_reconnect()
    {
        await using var server = CreateLimited<LimitedHub>(o => OnePerConnection(o, HubRateLimitAction.Close));
        var a = await server.ConnectAsync();
        await a.SendAsync(Invocation("1", "Limited"));
        await a.SendAsync(Invocation("2", "Limited"));
        var messages = await a.ReadUntilClosedAsync();
        Assert.Equal(2, messages.Count);
        Assert.Contains("\"invocationId\":\"1\"", messages[0]);
        var close = JsonDocument.Parse(messages[1]).RootElement;
        Assert.Equal(7, close.GetProperty("type").GetInt32());
        Assert.Equal("Connection closed with an error. Rate limit 'method' exceeded.", close.GetProperty("error").GetString());
        Assert.False(close.TryGetProperty("allowReconnect", out var reconnect) && reconnect.GetBoolean());
        await a.HandlerTask.WaitAsync(TestConnection.DefaultTimeout);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_concurrency_lease_is_held_while_the_invocation_runs_and_released_when_it_completes_or_throws(bool succeed)
    {
        var gate = new RateLimitGate();
        await using var server = WithGlobalConcurrency("oneAtATime", HubRateLimitScope.Connection, c => c.PermitLimit = 1, gate);
        var a = await server.ConnectAsync();
        await a.SendAsync(Invocation("1", "Slow"));
        Assert.Equal("Slow", await gate.EnteredAsync());
        await a.SendAsync(Invocation("2", "Echo", 1));
        var rejected = await NextAsync(a);
        Assert.Equal("2", rejected.GetProperty("invocationId").GetString());
        Assert.Equal(Rejected("Echo", "oneAtATime"), rejected.GetProperty("error").GetString());

        gate.Release(succeed);
        var first = await NextAsync(a);
        Assert.Equal("1", first.GetProperty("invocationId").GetString());
        Assert.Equal(!succeed, first.TryGetProperty("error", out _));

        await a.SendAsync(Invocation("3", "Echo", 3));
        Assert.Equal(3, (await NextAsync(a)).GetProperty("result").GetInt32());
    }

    [Fact]
    public async Task A_stream_holds_its_concurrency_lease_until_the_stream_ends()
    {
        var gate = new RateLimitGate();
        await using var server = WithGlobalConcurrency("oneAtATime", HubRateLimitScope.Connection, c => c.PermitLimit = 1, gate);
        var a = await server.ConnectAsync();
        await a.SendAsync(StreamInvocation("s", "Counter", 2));
        Assert.Equal("Counter", await gate.EnteredAsync());
        await a.SendAsync(Invocation("2", "Echo", 1));
        Assert.Equal(Rejected("Echo", "oneAtATime"), (await NextAsync(a)).GetProperty("error").GetString());

        gate.Release();
        Assert.Equal(0, (await NextAsync(a)).GetProperty("item").GetInt32());
        Assert.Equal(1, (await NextAsync(a)).GetProperty("item").GetInt32());
        var end = await NextAsync(a);
        Assert.Equal(3, end.GetProperty("type").GetInt32());
        Assert.Equal("s", end.GetProperty("invocationId").GetString());

        await a.SendAsync(Invocation("3", "Echo", 3));
        Assert.Equal(3, (await NextAsync(a)).GetProperty("result").GetInt32());
    }

    [Fact]
    public async Task A_queued_concurrency_policy_makes_the_next_invocation_wait_instead_of_rejecting_it()
    {
        var gate = new RateLimitGate();
        await using var server = WithGlobalConcurrency("queued", HubRateLimitScope.Connection, c => { c.PermitLimit = 1; c.QueueLimit = 1; }, gate);
        var a = await server.ConnectAsync();
        await a.SendAsync(Invocation("1", "Slow"));
        Assert.Equal("Slow", await gate.EnteredAsync());
        await a.SendAsync(Invocation("2", "Slow"));
        gate.Release();
        Assert.Equal("1", (await NextAsync(a)).GetProperty("invocationId").GetString());
        // The second one got the permit the first gave back.
        Assert.Equal("Slow", await gate.EnteredAsync());
        gate.Release();
        var second = await NextAsync(a);
        Assert.Equal("2", second.GetProperty("invocationId").GetString());
        Assert.False(second.TryGetProperty("error", out _));
    }

    [Fact]
    public async Task Leases_of_a_connection_that_ended_are_released()
    {
        var gate = new RateLimitGate();
        await using var server = WithGlobalConcurrency("oneForAll", HubRateLimitScope.Global, c => c.PermitLimit = 1, gate);
        var a = await server.ConnectAsync();
        await a.SendAsync(Invocation("1", "Slow"));
        Assert.Equal("Slow", await gate.EnteredAsync());
        var b = await server.ConnectAsync();
        await b.SendAsync(Invocation("2", "Echo", 1));
        Assert.Equal(Rejected("Echo", "oneForAll"), (await NextAsync(b)).GetProperty("error").GetString());

        a.CompleteInput();
        await a.HandlerTask.WaitAsync(TestConnection.DefaultTimeout);
        await b.SendAsync(Invocation("3", "Echo", 3));
        Assert.Equal(3, (await NextAsync(b)).GetProperty("result").GetInt32());
        gate.Release();
    }

    [Fact]
    public async Task Every_rejection_is_counted_with_hub_method_policy_and_action()
    {
        await using var server = CreateLimited<LimitedHub>(o =>
        {
            o.AddFixedWindowLimiter("global", HubRateLimitScope.Connection, w => { w.PermitLimit = 2; w.Window = LongWindow; }, HubRateLimitAction.Drop);
            o.GlobalPolicies.Add("global");
            o.AddFixedWindowLimiter("method", HubRateLimitScope.Connection, w => { w.PermitLimit = 1; w.Window = LongWindow; });
        });
        var factory = server.Services.GetRequiredService<IMeterFactory>();
        var counted = new ConcurrentQueue<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "SignalRLite" && ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name == "signalrlite.server.rate_limit.rejections")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var text = string.Join(",", tags.ToArray().OrderBy(t => t.Key).Select(t => $"{t.Key}={t.Value}"));
            counted.Enqueue($"{value}:{text}");
        });
        listener.Start();

        var a = await server.ConnectAsync();
        await a.SendAsync(Invocation("1", "Limited"));
        await a.SendAsync(Invocation("2", "Limited"));
        Assert.Equal("1", (await NextAsync(a)).GetProperty("invocationId").GetString());
        Assert.Equal("2", (await NextAsync(a)).GetProperty("invocationId").GetString());
        await a.SendAsync(Invocation("3", "Nope"));
        await a.SendAsync(Invocation("4", "Echo", 4));
        await a.SendAsync(Invocation("5", "Echo", 5));
        a.CompleteInput();
        await a.HandlerTask.WaitAsync(TestConnection.DefaultTimeout);

        Assert.Equal(
        [
            "1:signalr.hub=LimitedHub,signalr.method=Limited,signalrlite.rate_limit.action=error,signalrlite.rate_limit.policy=method",
            "1:signalr.hub=LimitedHub,signalr.method=_OTHER,signalrlite.rate_limit.action=drop,signalrlite.rate_limit.policy=global",
            "1:signalr.hub=LimitedHub,signalr.method=Echo,signalrlite.rate_limit.action=drop,signalrlite.rate_limit.policy=global",
            "1:signalr.hub=LimitedHub,signalr.method=Echo,signalrlite.rate_limit.action=drop,signalrlite.rate_limit.policy=global",
        ], counted.ToArray());
    }
}
