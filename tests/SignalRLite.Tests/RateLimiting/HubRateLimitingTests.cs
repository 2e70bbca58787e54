using System.Net;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Infrastructure;
using static SignalRLite.Tests.Hubs.HubTestServer;
using static SignalRLite.Tests.Hubs.InvocationTests;

namespace SignalRLite.Tests.RateLimiting;

/// <summary>Hub rate limiting (AddHubRateLimiter, [HubRateLimit]) on the in-memory hub runtime with the JSON protocol.</summary>
public class HubRateLimitingTests
{
    private static readonly TimeSpan LongWindow = TimeSpan.FromHours(1);

    internal static InMemoryHubServer<THub> CreateLimited<THub>(Action<HubRateLimiterOptions> limits, RateLimitGate? gate = null)
        where THub : Hub =>
        Create<THub>(services: s => s.AddSingleton(gate ?? new RateLimitGate()), builder: b => b.AddHubRateLimiter(o =>
        {
            limits(o);
            // LimitedHub.Limited names "method": a test that does not limit it lets it through.
            if (!o.Policies.ContainsKey("method"))
            {
                o.AddFixedWindowLimiter("method", HubRateLimitScope.Connection, w => { w.PermitLimit = 1000; w.Window = LongWindow; });
            }
        }));

    /// <summary>A server whose every invocation counts against one fixed-window policy of <paramref name="permits"/> per hour.</summary>
    private static InMemoryHubServer<LimitedHub> CreateGlobalFixedWindow(string policy, HubRateLimitScope scope, int permits) =>
        CreateLimited<LimitedHub>(o =>
        {
            o.AddFixedWindowLimiter(policy, scope, w => { w.PermitLimit = permits; w.Window = LongWindow; });
            o.GlobalPolicies.Add(policy);
        });

    internal static string Rejected(string target, string policy) => $"Failed to invoke '{target}' because the rate limit '{policy}' was exceeded.";

    private static async Task AssertAllowedAsync(TestConnection connection, string target, params object?[] args) =>
        Assert.Null(Error(await InvokeAsync(connection, target, args)));

    private static async Task AssertRejectedAsync(TestConnection connection, string policy, string target, params object?[] args) =>
        Assert.Equal(Rejected(target, policy), Error(await InvokeAsync(connection, target, args)));

    [Fact]
    public async Task Fixed_window_per_connection_rejects_beyond_its_permits_with_an_error_completion()
    {
        await using var server = CreateGlobalFixedWindow("perConnection", HubRateLimitScope.Connection, 2);
        var a = await server.ConnectAsync();
        var b = await server.ConnectAsync();
        await AssertAllowedAsync(a, "Echo", 1);
        await AssertAllowedAsync(a, "Other");
        await AssertRejectedAsync(a, "perConnection", "Echo", 3);
        // Another connection has its own partition.
        await AssertAllowedAsync(b, "Echo", 1);
    }

    [Fact]
    public async Task Sliding_window_rejects_beyond_its_permits()
    {
        await using var server = CreateLimited<LimitedHub>(o =>
        {
            o.AddSlidingWindowLimiter("sliding", HubRateLimitScope.Connection, w => { w.PermitLimit = 2; w.SegmentsPerWindow = 2; w.Window = LongWindow; });
            o.GlobalPolicies.Add("sliding");
        });
        var a = await server.ConnectAsync();
        await AssertAllowedAsync(a, "Echo", 1);
        await AssertAllowedAsync(a, "Echo", 2);
        await AssertRejectedAsync(a, "sliding", "Echo", 3);
    }

    [Fact]
    public async Task Token_bucket_rejects_once_its_tokens_are_spent()
    {
        await using var server = CreateLimited<LimitedHub>(o =>
        {
            o.AddTokenBucketLimiter("bucket", HubRateLimitScope.Connection, t => { t.TokenLimit = 3; t.TokensPerPeriod = 1; t.ReplenishmentPeriod = LongWindow; });
            o.GlobalPolicies.Add("bucket");
        });
        var a = await server.ConnectAsync();
        for (var i = 0; i < 3; i++)
        {
            await AssertAllowedAsync(a, "Echo", i);
        }

        await AssertRejectedAsync(a, "bucket", "Echo", 3);
    }

    [Fact]
    public async Task User_scope_shares_a_user_s_connections_and_counts_anonymous_connections_alone()
    {
        await using var server = CreateGlobalFixedWindow("perUser", HubRateLimitScope.User, 1);
        static ClaimsPrincipal User(string name) => new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, name)], "test"));
        var ann1 = await server.ConnectAsync(user: User("ann"));
        var ann2 = await server.ConnectAsync(user: User("ann"));
        var bob = await server.ConnectAsync(user: User("bob"));
        var anonymous1 = await server.ConnectAsync();
        var anonymous2 = await server.ConnectAsync();
        await AssertAllowedAsync(ann1, "Echo", 1);
        await AssertRejectedAsync(ann2, "perUser", "Echo", 1);
        await AssertAllowedAsync(bob, "Echo", 1);
        await AssertAllowedAsync(anonymous1, "Echo", 1);
        await AssertAllowedAsync(anonymous2, "Echo", 1);
        await AssertRejectedAsync(anonymous1, "perUser", "Echo", 1);
    }

    [Fact]
    public async Task Client_ip_scope_shares_the_connections_of_one_address()
    {
        await using var server = CreateGlobalFixedWindow("perIp", HubRateLimitScope.ClientIp, 1);
        async Task<TestConnection> ConnectFrom(string ip)
        {
            var connection = new TestConnection();
            connection.Features.Set<IHttpConnectionFeature>(new HttpConnectionFeature { RemoteIpAddress = IPAddress.Parse(ip) });
            return await server.ConnectAsync(connection: connection);
        }

        var first = await ConnectFrom("10.0.0.1");
        var second = await ConnectFrom("::ffff:10.0.0.1");
        var other = await ConnectFrom("10.0.0.2");
        await AssertAllowedAsync(first, "Echo", 1);
        await AssertRejectedAsync(second, "perIp", "Echo", 1);
        await AssertAllowedAsync(other, "Echo", 1);

        // IPv6: one /64 block is one client, whichever of its addresses a connection comes from.
        var v6 = await ConnectFrom("2001:db8:1:2::1");
        var sameBlock = await ConnectFrom("2001:db8:1:2:ffff::9");
        var otherBlock = await ConnectFrom("2001:db8:1:3::1");
        await AssertAllowedAsync(v6, "Echo", 1);
        await AssertRejectedAsync(sameBlock, "perIp", "Echo", 1);
        await AssertAllowedAsync(otherBlock, "Echo", 1);
    }

    [Fact]
    public async Task Method_scope_shares_a_method_between_callers_and_separates_methods()
    {
        await using var server = CreateGlobalFixedWindow("perMethod", HubRateLimitScope.Method, 1);
        var a = await server.ConnectAsync();
        var b = await server.ConnectAsync();
        await AssertAllowedAsync(a, "Echo", 1);
        await AssertRejectedAsync(b, "perMethod", "Echo", 1);
        await AssertAllowedAsync(b, "Other");
    }

    [Fact]
    public async Task Global_scope_is_one_limit_for_every_caller_and_method()
    {
        await using var server = CreateGlobalFixedWindow("everything", HubRateLimitScope.Global, 2);
        var a = await server.ConnectAsync();
        var b = await server.ConnectAsync();
        await AssertAllowedAsync(a, "Echo", 1);
        await AssertAllowedAsync(b, "Other");
        await AssertRejectedAsync(a, "everything", "Other");
        await AssertRejectedAsync(b, "everything", "Echo", 2);
    }

    [Fact]
    public async Task Calls_to_unknown_methods_and_binding_failures_count_against_global_policies()
    {
        await using var server = CreateGlobalFixedWindow("perConnection", HubRateLimitScope.Connection, 2);
        var a = await server.ConnectAsync();
        // Both are answered as without rate limiting (errors of their own), and both spend a permit.
        Assert.Contains("Method does not exist", Error(await InvokeAsync(a, "NoSuchMethod")));
        Assert.Contains("due to an error on the server", Error(await InvokeAsync(a, "Echo", "not a number")));
        await AssertRejectedAsync(a, "perConnection", "Echo", 1);
        await AssertRejectedAsync(a, "perConnection", "NoSuchMethod");
        await AssertRejectedAsync(a, "perConnection", "Echo", "not a number");
    }

    [Fact]
    public async Task HubRateLimit_on_the_hub_applies_to_every_method_and_on_a_method_to_that_method()
    {
        await using var server = CreateLimited<ClassLimitedHub>(o =>
        {
            o.AddFixedWindowLimiter("hub", HubRateLimitScope.Connection, w => { w.PermitLimit = 3; w.Window = LongWindow; });
            o.AddFixedWindowLimiter("method", HubRateLimitScope.Connection, w => { w.PermitLimit = 1; w.Window = LongWindow; });
        });
        var a = await server.ConnectAsync();
        await AssertAllowedAsync(a, "B");
        await AssertRejectedAsync(a, "method", "B");
        // The hub's policy comes first: it admitted (and counted) the call the method's policy then rejected.
        await AssertAllowedAsync(a, "A");
        await AssertRejectedAsync(a, "hub", "A");
        await AssertRejectedAsync(a, "hub", "B");
    }

    [Fact]
    public void HubRateLimit_without_AddHubRateLimiter_or_naming_an_unknown_policy_fails_at_startup()
    {
        // The hub's dispatcher (built with its connection handler) checks its [HubRateLimit]s.
        var ex = Assert.Throws<InvalidOperationException>(() => Create<ClassLimitedHub>());
        Assert.Contains("AddHubRateLimiter", ex.Message);

        ex = Assert.Throws<InvalidOperationException>(() => CreateLimited<MisconfiguredHub>(o => o.AddFixedWindowLimiter("other", HubRateLimitScope.Connection, w => { w.PermitLimit = 1; w.Window = LongWindow; })));
        Assert.Contains("'missing'", ex.Message);

        Assert.Throws<ArgumentException>(() => new HubRateLimiterOptions()
            .AddConcurrencyLimiter("twice", HubRateLimitScope.Global, c => c.PermitLimit = 1)
            .AddConcurrencyLimiter("twice", HubRateLimitScope.Global, c => c.PermitLimit = 1));
    }

    [Fact]
    public async Task Custom_policies_partition_as_they_like_and_see_unknown_targets_as_one_method_name()
    {
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var server = CreateLimited<LimitedHub>(o =>
        {
            o.AddPolicy("custom", context =>
            {
                seen.Enqueue($"{context.HubName}.{context.MethodName}:{context.ConnectionId.Length > 0}");
                return System.Threading.RateLimiting.RateLimitPartition.GetFixedWindowLimiter(context.MethodName, _ => new() { PermitLimit = 1, Window = LongWindow });
            });
            o.GlobalPolicies.Add("custom");
        });
        var a = await server.ConnectAsync();
        await AssertAllowedAsync(a, "Echo", 1);
        await AssertRejectedAsync(a, "custom", "Echo", 1);
        Assert.Contains("Method does not exist", Error(await InvokeAsync(a, "Unknown1")));
        await AssertRejectedAsync(a, "custom", "Unknown2");
        Assert.Equal(["LimitedHub.Echo:True", "LimitedHub.Echo:True", "LimitedHub.(unknown):True", "LimitedHub.(unknown):True"], seen.ToArray());
    }
}
