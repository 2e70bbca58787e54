using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Infrastructure;
using SignalRLite.Tests.Quotas;
using SignalRLite.Tests.RateLimiting;
using SignalRLite.Tests.Transports;
using ClientHubException = Microsoft.AspNetCore.SignalR.HubException;
using ClientTransport = Microsoft.AspNetCore.Http.Connections.HttpTransportType;

namespace SignalRLite.Tests.Interop;

/// <summary>
/// Hub rate limits and connection quotas as the official .NET client sees them (Kestrel on 127.0.0.1): a HubException
/// with the rate limit text (Error), the Closed event with the policy in its error and no reconnect (Close), and
/// StartAsync failing with 429 when a quota refuses; over WebSockets and Long Polling, with JSON and MessagePack.
/// </summary>
[Trait("Category", "Integration")]
public class RateLimitQuotaInteropTests
{
    private static readonly TimeSpan LongWindow = TimeSpan.FromHours(1);

    public static TheoryData<ClientTransport, bool> TransportsAndProtocols => new()
    {
        { ClientTransport.WebSockets, false },
        { ClientTransport.WebSockets, true },
        { ClientTransport.LongPolling, false },
        { ClientTransport.LongPolling, true },
    };

    private static Task<HubAppHost> StartLimitedAsync(Action<HubRateLimiterOptions> limits) =>
        HubAppHost.StartAsync(
            HubHostKind.Kestrel,
            s =>
            {
                s.AddSingleton(new RateLimitGate());
                s.AddSignalRLite().AddMessagePackProtocol().AddHubRateLimiter(limits);
            },
            app => app.MapHub<LimitedHub>(ConnectionQuotaUserTests.Path));

    private static async Task<HubConnection> ConnectAsync(HubAppHost host, ClientTransport transport, bool messagePack, Action<IHubConnectionBuilder>? configure = null)
    {
        var client = host.CreateClient(ConnectionQuotaUserTests.Path, transport, configure: b =>
        {
            if (messagePack)
            {
                b.AddMessagePackProtocol();
            }

            configure?.Invoke(b);
        });
        await client.StartAsync().WaitAsync(TestConnection.DefaultTimeout);
        return client;
    }

    [Theory]
    [MemberData(nameof(TransportsAndProtocols))]
    public async Task ErrorActionGivesTheClientAHubExceptionWithTheRateLimitText(ClientTransport transport, bool messagePack)
    {
        await using var host = await StartLimitedAsync(o =>
            o.AddFixedWindowLimiter("method", HubRateLimitScope.Connection, w => { w.PermitLimit = 1; w.Window = LongWindow; }));
        var client = await ConnectAsync(host, transport, messagePack);
        Assert.Equal(7, await client.InvokeAsync<int>("Limited"));
        var error = await Assert.ThrowsAsync<ClientHubException>(() => client.InvokeAsync<int>("Limited"));
        Assert.Equal("Failed to invoke 'Limited' because the rate limit 'method' was exceeded.", error.Message);

        // Only that method is limited, and the connection goes on.
        Assert.Equal(5, await client.InvokeAsync<int>("Echo", 5));
        Assert.Equal(HubConnectionState.Connected, client.State);
    }

    [Theory]
    [MemberData(nameof(TransportsAndProtocols))]
    public async Task CallsToUnknownMethodsCountAgainstAGlobalPolicy(ClientTransport transport, bool messagePack)
    {
        await using var host = await StartLimitedAsync(o =>
        {
            o.AddFixedWindowLimiter("global", HubRateLimitScope.Connection, w => { w.PermitLimit = 1; w.Window = LongWindow; });
            o.GlobalPolicies.Add("global");
            o.AddFixedWindowLimiter("method", HubRateLimitScope.Connection, w => { w.PermitLimit = 1000; w.Window = LongWindow; });
        });
        var client = await ConnectAsync(host, transport, messagePack);
        var unknown = await Assert.ThrowsAsync<ClientHubException>(() => client.InvokeAsync<int>("Nope"));
        Assert.Contains("Method does not exist", unknown.Message);
        var limited = await Assert.ThrowsAsync<ClientHubException>(() => client.InvokeAsync<int>("Echo", 1));
        Assert.Equal("Failed to invoke 'Echo' because the rate limit 'global' was exceeded.", limited.Message);
    }

    [Theory]
    [MemberData(nameof(TransportsAndProtocols))]
    public async Task CloseActionClosesTheClientWithTheRateLimitTextAndNoReconnect(ClientTransport transport, bool messagePack)
    {
        await using var host = await StartLimitedAsync(o =>
            o.AddFixedWindowLimiter("method", HubRateLimitScope.Connection, w => { w.PermitLimit = 1; w.Window = LongWindow; }, HubRateLimitAction.Close));
        var client = await ConnectAsync(host, transport, messagePack, b => b.WithAutomaticReconnect());
        var closed = new Signal<Exception?>();
        var reconnecting = false;
        client.Reconnecting += _ => { reconnecting = true; return Task.CompletedTask; };
        client.Closed += e => { closed.TrySetResult(e); return Task.CompletedTask; };

        Assert.Equal(7, await client.InvokeAsync<int>("Limited"));
        var pending = client.InvokeAsync<int>("Limited");
        var error = await closed.WaitAsync();
        Assert.NotNull(error);
        Assert.Contains("Connection closed with an error. Rate limit 'method' exceeded.", error!.Message);
        Assert.False(reconnecting);
        Assert.Equal(HubConnectionState.Disconnected, client.State);
        await Assert.ThrowsAnyAsync<Exception>(() => pending);
    }

    [Theory]
    [InlineData(ClientTransport.WebSockets)]
    [InlineData(ClientTransport.LongPolling)]
    public async Task StartFailsWith429WhenTheUsersQuotaIsFullAndSucceedsOnceASlotFrees(ClientTransport transport)
    {
        await using var host = await ConnectionQuotaUserTests.StartAsync(o => o.MaxConnectionsPerUser = 1, b => b.AddMessagePackProtocol());
        var first = host.CreateClient(ConnectionQuotaUserTests.Path, transport, user: "alice");
        await first.StartAsync().WaitAsync(TestConnection.DefaultTimeout);

        var second = host.CreateClient(ConnectionQuotaUserTests.Path, transport, user: "alice");
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => second.StartAsync().WaitAsync(TestConnection.DefaultTimeout));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(HubConnectionState.Disconnected, second.State);

        // Another user is not affected.
        var bob = host.CreateClient(ConnectionQuotaUserTests.Path, transport, user: "bob", configure: b => b.AddMessagePackProtocol());
        await bob.StartAsync().WaitAsync(TestConnection.DefaultTimeout);
        Assert.Equal(1, await bob.InvokeAsync<int>("Echo", 1));

        await first.StopAsync().WaitAsync(TestConnection.DefaultTimeout);
        await TransportTestServer.WaitForConnectionCountAsync(ConnectionQuotaUserTests.Manager(host), 1);
        await second.StartAsync().WaitAsync(TestConnection.DefaultTimeout);
        Assert.Equal(2, await second.InvokeAsync<int>("Echo", 2));
    }

    [Fact]
    public async Task SkipNegotiationStartFailsWith429WhenTheAddressQuotaIsFull()
    {
        await using var host = await ConnectionQuotaUserTests.StartAsync(o => o.MaxConnectionsPerClientIp = 1);
        var first = host.CreateClient(ConnectionQuotaUserTests.Path, skipNegotiation: true);
        await first.StartAsync().WaitAsync(TestConnection.DefaultTimeout);

        // The upgrade is refused before the socket is accepted: the client's WebSocket handshake fails with the status.
        var second = host.CreateClient(ConnectionQuotaUserTests.Path, skipNegotiation: true);
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => second.StartAsync().WaitAsync(TestConnection.DefaultTimeout));
        Assert.Contains("429", refused.Message);
        Assert.Equal(HubConnectionState.Disconnected, second.State);

        var negotiating = host.CreateClient(ConnectionQuotaUserTests.Path, ClientTransport.LongPolling);
        var negotiateRefused = await Assert.ThrowsAsync<HttpRequestException>(() => negotiating.StartAsync().WaitAsync(TestConnection.DefaultTimeout));
        Assert.Equal(HttpStatusCode.TooManyRequests, negotiateRefused.StatusCode);
        Assert.Equal(1, await first.InvokeAsync<int>("Echo", 1));
    }

    /// <summary>The "Recommended production profile" of docs/security.md, verbatim.</summary>
    private static void AddProductionProfile(IServiceCollection services) =>
        services.AddSignalRLite(o =>
            {
                // Already the defaults, named here because they are part of the profile.
                o.MaximumReceiveMessageSize = 32 * 1024;          // raise per hub only where a method needs more
                o.MaximumParallelInvocationsPerClient = 1;
                o.StreamBufferCapacity = 10;
                o.HandshakeTimeout = TimeSpan.FromSeconds(15);
                o.ClientTimeoutInterval = TimeSpan.FromSeconds(30);
                o.EnableDetailedErrors = false;                   // never on in production: errors would carry exception text
            })
            .AddConnectionQuotas(o =>
            {
                o.MaxConnectionsPerUser = 20;                      // tabs and devices of one person
                o.MaxConnectionsPerClientIp = 500;                 // generous: offices and mobile carriers share addresses
                o.MaxPendingConnectionsPerClientIp = 20;           // negotiated, no transport yet
                o.MaxPendingConnections = 5_000;                   // about 14 MB of pending connections at most
                o.PendingConnectionLifetime = TimeSpan.FromSeconds(10);
            })
            .AddHubRateLimiter(o =>
            {
                // Each connection: bursts of 20 invocations, then 10 per second; beyond that an error Completion.
                o.AddTokenBucketLimiter("perConnection", HubRateLimitScope.Connection, t =>
                {
                    t.TokenLimit = 20;
                    t.TokensPerPeriod = 10;
                    t.ReplenishmentPeriod = TimeSpan.FromSeconds(1);
                });
                // A client far beyond any legitimate rate is closed rather than answered.
                o.AddFixedWindowLimiter("abuse", HubRateLimitScope.Connection, w =>
                {
                    w.PermitLimit = 600;
                    w.Window = TimeSpan.FromMinutes(1);
                }, HubRateLimitAction.Close);
                // At most 8 invocations of one user running or queued at once, over all their connections.
                o.AddConcurrencyLimiter("perUserConcurrency", HubRateLimitScope.User, c => c.PermitLimit = 8);
                o.GlobalPolicies.Add("abuse");
                o.GlobalPolicies.Add("perConnection");
                o.GlobalPolicies.Add("perUserConcurrency");

                // Expensive methods get a policy of their own: [HubRateLimit("expensive")] on the method.
                o.AddSlidingWindowLimiter("expensive", HubRateLimitScope.User, w =>
                {
                    w.PermitLimit = 10;
                    w.Window = TimeSpan.FromMinutes(1);
                    w.SegmentsPerWindow = 6;
                });
            });

    [Theory]
    [InlineData(ClientTransport.WebSockets)]
    [InlineData(ClientTransport.LongPolling)]
    public async Task RecommendedProductionProfileLetsANormalClientWork(ClientTransport transport)
    {
        await using var host = await HubAppHost.StartAsync(HubHostKind.Kestrel, AddProductionProfile, app => app.MapHub<QuotaHub>(ConnectionQuotaUserTests.Path));
        var client = host.CreateClient(ConnectionQuotaUserTests.Path, transport, user: "alice");
        await client.StartAsync().WaitAsync(TestConnection.DefaultTimeout);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(i, await client.InvokeAsync<int>("Echo", i));
        }

        // A burst far beyond the bucket: refused with the policy's error, and the connection stays.
        var burst = await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            try
            {
                return await client.InvokeAsync<int>("Echo", i) == i ? null : "wrong result";
            }
            catch (ClientHubException e)
            {
                return e.Message;
            }
        }));
        Assert.Contains("Failed to invoke 'Echo' because the rate limit 'perConnection' was exceeded.", burst);
        Assert.All(burst, r => Assert.True(r is null || r == "Failed to invoke 'Echo' because the rate limit 'perConnection' was exceeded.", r));
        Assert.Equal(HubConnectionState.Connected, client.State);
    }
}
