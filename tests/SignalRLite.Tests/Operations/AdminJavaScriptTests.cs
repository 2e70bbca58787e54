using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Infrastructure;
using SignalRLite.Tests.Redis;
using SignalRLite.Tests.Transports;
using StackExchange.Redis;

namespace SignalRLite.Tests.Operations;

/// <summary>
/// The admin API as the official JavaScript client (Node) sees it, on one server and across three servers on a real
/// redis-server: a user closed with a reason on every server, a group closed with allowReconnect (automatic reconnect
/// brings its members back), one connection closed by its ID; each answer counts what it reached.
/// </summary>
[Trait("Category", "Integration")]
public class AdminJavaScriptTests
{
    private static readonly string Probe = RepositoryPaths.Combine("tests", "SignalRLite.Tests", "Operations", "js", "admin-probe.js");

    [Theory]
    [InlineData("WebSockets")]
    [InlineData("LongPolling")]
    [InlineData("ServerSentEvents")]
    public async Task On_one_server(string transport)
    {
        await using var host = await HubAppHost.StartAsync(
            HubHostKind.Kestrel,
            s =>
            {
                s.AddAuthorization(o => o.AddPolicy("admins", p => p.RequireUserName("root")));
                s.AddSignalRLite();
            },
            app =>
            {
                app.MapHub<RedisTestHub>("/hub");
                app.MapSignalRLiteAdmin<RedisTestHub>("/ops", o => o.AuthorizationPolicy = "admins");
            });
        var hub = Url(host, "/hub");

        AssertSeen(await RunAsync(Url(host, "/ops"), transport, hub, hub, hub));
    }

    [Theory]
    [InlineData("WebSockets")]
    [InlineData("LongPolling")]
    public async Task Across_three_servers_with_redis(string transport)
    {
        await using var cluster = await RedisCluster.StartAsync(3);
        await using var ops = await HubAppHost.StartAsync(
            HubHostKind.Kestrel,
            s =>
            {
                s.AddAuthorization(o => o.AddPolicy("admins", p => p.RequireUserName("root")));
                s.AddSignalRLite().AddStackExchangeRedis(cluster.Endpoint, o => o.Configuration.ChannelPrefix = RedisChannel.Literal(cluster.Prefix));
            },
            app =>
            {
                app.MapHub<RedisTestHub>("/hub");
                app.MapSignalRLiteAdmin<RedisTestHub>("/ops", o => o.AuthorizationPolicy = "admins");
            });

        AssertSeen(await RunAsync(Url(ops, "/ops"), transport, [.. cluster.Servers.Select(s => Url(s, "/hub"))]));
    }

    private static string Url(HubAppHost host, string path) => host.BaseAddress.ToString().TrimEnd('/') + path;

    private static async Task<JsonElement> RunAsync(string ops, string transport, params string[] hubs)
    {
        var output = await JavaScriptClientTransportTests.RunNodeAsync(Probe, [ops, transport, .. hubs]);
        using var json = JsonDocument.Parse(output);
        return json.RootElement.Clone();
    }

    private static void AssertSeen(JsonElement result)
    {
        // alice has three connections (spread over the servers), each closed with the reason and no reconnect.
        Assert.Equal(3, result.GetProperty("userReached").GetInt32());
        Assert.All(result.GetProperty("userClosed").EnumerateArray(), e =>
            Assert.Equal("Server returned an error on close: Your account was suspended.", e.GetString()));
        Assert.False(result.GetProperty("aliceReconnected").GetBoolean());

        // The group's two members: allowReconnect starts the client's automatic reconnect, which succeeds.
        Assert.Equal(2, result.GetProperty("groupReached").GetInt32());
        Assert.All(result.GetProperty("groupReconnected").EnumerateArray(), e => Assert.True(e.GetBoolean()));

        Assert.Equal(1, result.GetProperty("connectionReached").GetInt32());
        Assert.Equal("Server returned an error on close: bye", result.GetProperty("connectionClosed").GetString());
        Assert.True(result.GetProperty("bystander").GetBoolean());
    }
}
