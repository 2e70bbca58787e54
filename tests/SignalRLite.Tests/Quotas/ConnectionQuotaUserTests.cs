using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Http.Connections;
using SignalRLite.Internal.Transports;
using SignalRLite.Tests.Infrastructure;
using SignalRLite.Tests.Transports;

namespace SignalRLite.Tests.Quotas;

/// <summary>
/// MaxConnectionsPerUser on a full hub app (Kestrel on 127.0.0.1, the "Test" scheme: <c>Bearer &lt;name&gt;</c> is user
/// &lt;name&gt;): the quota counts per authenticated user at negotiate and at the WebSocket upgrade without negotiation,
/// anonymous requests are not counted per user, and a user's slot frees when one of their connections ends.
/// </summary>
[Trait("Category", "Integration")]
public class ConnectionQuotaUserTests
{
    internal const string Path = "/limited";

    internal static Task<HubAppHost> StartAsync(Action<ConnectionQuotaOptions> quotas, Action<ISignalRServerBuilder>? signalR = null) =>
        HubAppHost.StartAsync(
            HubHostKind.Kestrel,
            s =>
            {
                var builder = s.AddSignalRLite().AddConnectionQuotas(quotas);
                signalR?.Invoke(builder);
            },
            app => app.MapHub<QuotaHub>(Path));

    internal static HttpConnectionManager Manager(HubAppHost host) => host.Services.GetRequiredService<HttpConnectionManager>();

    [Fact]
    public async Task PerUserQuotaRefusesNegotiateAndTheSkipNegotiationUpgradeOfThatUserOnly()
    {
        await using var host = await StartAsync(o => o.MaxConnectionsPerUser = 2);
        using var client = host.CreateHttpClient();
        await QuotaRequests.NegotiateTokenAsync(client, Path, "alice");
        await QuotaRequests.NegotiateTokenAsync(client, Path, "alice");

        using (var refused = await QuotaRequests.NegotiateAsync(client, Path, "alice"))
        {
            await QuotaRequests.AssertRefusedAsync(refused, "Too many connections for this user.", retryAfter: false);
        }

        using (var refused = await QuotaRequests.UpgradeAsync(client, Path, "alice"))
        {
            await QuotaRequests.AssertRefusedAsync(refused, "Too many connections for this user.", retryAfter: false);
        }

        // Another user, from the same address, has slots of their own.
        await QuotaRequests.NegotiateTokenAsync(client, Path, "bob");
        Assert.Equal((3, 3, 2, 1), Manager(host).Quotas!.Snapshot());
        using (var upgrade = await QuotaRequests.UpgradeAsync(client, Path, "bob"))
        {
            Assert.Equal(HttpStatusCode.SwitchingProtocols, upgrade.StatusCode);
        }
    }

    [Fact]
    public async Task AnonymousConnectionsAreNotCountedPerUser()
    {
        // Anonymous requests have no user to count against (the per-address quotas are the limit for them).
        await using var host = await StartAsync(o => o.MaxConnectionsPerUser = 1);
        using var client = host.CreateHttpClient();
        for (var i = 0; i < 5; i++)
        {
            await QuotaRequests.NegotiateTokenAsync(client, Path);
        }

        await QuotaRequests.NegotiateTokenAsync(client, Path, "alice");
        using (var refused = await QuotaRequests.NegotiateAsync(client, Path, "alice"))
        {
            await QuotaRequests.AssertRefusedAsync(refused, "Too many connections for this user.", retryAfter: false);
        }

        // Six live connections, one of them a user's.
        Assert.Equal((6, 6, 1, 1), Manager(host).Quotas!.Snapshot());
        using (var upgrade = await QuotaRequests.UpgradeAsync(client, Path))
        {
            Assert.Equal(HttpStatusCode.SwitchingProtocols, upgrade.StatusCode);
        }
    }

    [Fact]
    public async Task TheUserQuotaIsCheckedBeforeThePerAddressQuota()
    {
        // Both full: the refusal names the user's quota, the more specific one.
        await using var host = await StartAsync(o => { o.MaxConnectionsPerUser = 1; o.MaxConnectionsPerClientIp = 1; });
        using var client = host.CreateHttpClient();
        await QuotaRequests.NegotiateTokenAsync(client, Path, "alice");
        using (var refused = await QuotaRequests.NegotiateAsync(client, Path, "alice"))
        {
            await QuotaRequests.AssertRefusedAsync(refused, "Too many connections for this user.", retryAfter: false);
        }

        using (var refused = await QuotaRequests.NegotiateAsync(client, Path, "bob"))
        {
            await QuotaRequests.AssertRefusedAsync(refused, "Too many connections for this client address.", retryAfter: false);
        }
    }

    [Fact]
    public async Task AUsersSlotFreesWhenTheirWebSocketCloses()
    {
        await using var host = await StartAsync(o => o.MaxConnectionsPerUser = 1);
        using var client = host.CreateHttpClient();
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer alice");
        await socket.ConnectAsync(new UriBuilder(new Uri(host.BaseAddress, Path)) { Scheme = "ws" }.Uri, CancellationToken.None);
        using (var refused = await QuotaRequests.NegotiateAsync(client, Path, "alice"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        socket.Abort();
        socket.Dispose();
        await TransportTestServer.WaitForConnectionCountAsync(Manager(host), 0);
        Assert.Equal((0, 0, 0, 0), Manager(host).Quotas!.Snapshot());
        await QuotaRequests.NegotiateTokenAsync(client, Path, "alice");
    }
}

public class QuotaHub : Hub
{
    public int Echo(int value) => value;
}
