using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SignalRLite.Http.Connections;
using SignalRLite.Internal.Transports;
using SignalRLite.Tests.Transports;

namespace SignalRLite.Tests.Quotas;

/// <summary>
/// Connection quotas on the transport layer alone (Kestrel on 127.0.0.1, so every request has the same client address):
/// refusals at negotiate and at the WebSocket upgrade without negotiation, and the slots given back on every way out.
/// </summary>
[Trait("Category", "Integration")]
public class ConnectionQuotaTransportTests
{
    private const string Path = TransportTestServer.Path;

    internal static Task<TransportTestServer> StartAsync(
        Action<ConnectionQuotaOptions>? quotas,
        HostKind kind = HostKind.Kestrel,
        TimeProvider? time = null,
        TimeSpan? disconnectTimeout = null) =>
        TransportTestServer.StartAsync(kind, timeProvider: time, disconnectTimeout: disconnectTimeout, services: s =>
        {
            if (quotas is not null)
            {
                s.Configure(quotas);
            }
        });

    [Fact]
    public async Task PerClientAddressQuotaRefusesNegotiateAndUpgradeUntilAConnectionCloses()
    {
        await using var server = await StartAsync(o => o.MaxConnectionsPerClientIp = 2);
        using var client = server.CreateClient();
        var first = await QuotaRequests.NegotiateTokenAsync(client, Path);
        await QuotaRequests.NegotiateTokenAsync(client, Path);

        using (var refused = await QuotaRequests.NegotiateAsync(client, Path))
        {
            await QuotaRequests.AssertRefusedAsync(refused, "Too many connections for this client address.", retryAfter: false);
        }

        using (var refused = await QuotaRequests.UpgradeAsync(client, Path))
        {
            await QuotaRequests.AssertRefusedAsync(refused, "Too many connections for this client address.", retryAfter: false);
        }

        Assert.Equal(2, server.Manager.Count);

        // A negotiated connection takes its transport within its slot; when it ends, the slot is free again.
        using (var socket = await server.ConnectWebSocketAsync("?id=" + first))
        {
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }

        await server.WaitForConnectionCountAsync(1);
        await QuotaRequests.NegotiateTokenAsync(client, Path);
    }

    [Fact]
    public async Task PendingPerClientAddressQuotaCarriesRetryAfterAndFreesWhenTheTransportAttaches()
    {
        await using var server = await StartAsync(o => o.MaxPendingConnectionsPerClientIp = 1);
        using var client = server.CreateClient();
        var first = await QuotaRequests.NegotiateTokenAsync(client, Path);
        using (var refused = await QuotaRequests.NegotiateAsync(client, Path))
        {
            await QuotaRequests.AssertRefusedAsync(refused, "Too many pending connections for this client address.", retryAfter: true);
        }

        // A WebSocket without negotiation is never pending: admitted.
        using var direct = await server.ConnectWebSocketAsync();

        // The pending connection's transport attaches (before its socket is accepted): no longer pending.
        using var attached = await server.ConnectWebSocketAsync("?id=" + first);
        await QuotaRequests.NegotiateTokenAsync(client, Path);
        Assert.Equal((3, 1), Snapshot(server));
    }

    [Theory]
    [InlineData(HostKind.TestHost)]
    [InlineData(HostKind.Kestrel)]
    public async Task TotalPendingQuotaCountsEveryClientAndFreesWhenTheTransportAttaches(HostKind kind)
    {
        await using var server = await StartAsync(o => o.MaxPendingConnections = 2, kind);
        using var client = server.CreateClient();
        var first = await QuotaRequests.NegotiateTokenAsync(client, Path);
        await QuotaRequests.NegotiateTokenAsync(client, Path);
        using (var refused = await QuotaRequests.NegotiateAsync(client, Path))
        {
            await QuotaRequests.AssertRefusedAsync(refused, "Too many pending connections.", retryAfter: true);
        }

        using var attached = await server.ConnectWebSocketAsync("?id=" + first);
        await QuotaRequests.NegotiateTokenAsync(client, Path);
        Assert.Equal((3, 2), Snapshot(server));
    }

    [Fact]
    public async Task SkipNegotiationUpgradeIsRefusedBeforeTheSocketIsAccepted()
    {
        await using var server = await StartAsync(o => o.MaxConnectionsPerClientIp = 1);
        using var client = server.CreateClient();
        var socket = await server.ConnectWebSocketAsync();
        using (var refused = await QuotaRequests.UpgradeAsync(client, Path))
        {
            await QuotaRequests.AssertRefusedAsync(refused, "Too many connections for this client address.", retryAfter: false);
        }

        // What a WebSocket client sees: the handshake fails with the status.
        using (var second = new ClientWebSocket())
        {
            second.Options.CollectHttpResponseDetails = true;
            await Assert.ThrowsAsync<WebSocketException>(() => second.ConnectAsync(new UriBuilder(server.EndpointUri()) { Scheme = "ws" }.Uri, CancellationToken.None));
            Assert.Equal(HttpStatusCode.TooManyRequests, second.HttpStatusCode);
        }

        Assert.Equal(1, server.Manager.Count);
        socket.Abort();
        socket.Dispose();
        await server.WaitForConnectionCountAsync(0);
        Assert.Equal((0, 0), Snapshot(server));
        using var again = await server.ConnectWebSocketAsync();
    }

    [Fact]
    public async Task SlotsAreGivenBackWhenTheServerAbortsAConnection()
    {
        await using var server = await StartAsync(o => o.MaxConnectionsPerClientIp = 1);
        using var client = server.CreateClient();

        // Pending, aborted by the server.
        var token = await QuotaRequests.NegotiateTokenAsync(client, Path);
        Assert.True(server.Manager.TryGetConnection(token, out var pending));
        pending.Abort(new ConnectionAbortedException("test"));
        await pending.CloseAsync(null);
        await server.WaitForConnectionCountAsync(0);
        Assert.Equal((0, 0), Snapshot(server));

        // Connected, aborted by the server.
        token = await QuotaRequests.NegotiateTokenAsync(client, Path);
        using var socket = await server.ConnectWebSocketAsync("?id=" + token);
        Assert.True(server.Manager.TryGetConnection(token, out var active));
        active.Abort(new ConnectionAbortedException("test"));
        await active.CloseAsync(null);
        await server.WaitForConnectionCountAsync(0);
        Assert.Equal((0, 0), Snapshot(server));
        await QuotaRequests.NegotiateTokenAsync(client, Path);
    }

    [Fact]
    public async Task PendingLifetimeDropsANegotiatedConnectionThatNeverGetsATransport()
    {
        var time = new FakeTimeProvider();
        await using var server = await StartAsync(o => { o.PendingConnectionLifetime = TimeSpan.FromSeconds(5); o.MaxPendingConnections = 1; }, HostKind.TestHost, time, TimeSpan.FromSeconds(15));
        using var client = server.CreateClient();
        var token = await QuotaRequests.NegotiateTokenAsync(client, Path);
        Assert.True(server.Manager.TryGetConnection(token, out var connection));

        // The scan runs every second (a quarter of the shortest timeout, at most 1 s): at 4 s the connection is 4 s old.
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(connection.IsClosing);
        using (var refused = await QuotaRequests.NegotiateAsync(client, Path))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        // At 6 s it is older than 5 s: dropped, and its pending slot is free.
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(connection.IsClosing);
        await server.WaitForConnectionCountAsync(0);
        Assert.Equal((0, 0), Snapshot(server));
        await QuotaRequests.NegotiateTokenAsync(client, Path);
    }

    [Fact]
    public async Task PendingLifetimeDoesNotShortenTheDisconnectTimeoutOfAConnectedConnection()
    {
        var time = new FakeTimeProvider();
        await using var server = await StartAsync(o => o.PendingConnectionLifetime = TimeSpan.FromSeconds(2), HostKind.TestHost, time, TimeSpan.FromSeconds(15));
        using var client = server.CreateClient();

        // Long Polling: between polls the connection has no transport request, but it is no longer pending.
        var token = await QuotaRequests.NegotiateTokenAsync(client, Path);
        using (var poll = await client.GetAsync(Path + "?id=" + token))
        {
            Assert.Equal(HttpStatusCode.OK, poll.StatusCode); // the first poll answers at once
        }

        Assert.True(server.Manager.TryGetConnection(token, out var connection));
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(connection.IsClosing);
        time.Advance(TimeSpan.FromSeconds(7));
        Assert.True(connection.IsClosing);
    }

    [Fact]
    public async Task WithoutAPendingLifetimeANegotiatedConnectionWaitsForTheDisconnectTimeout()
    {
        // Today's (and the official server's) behaviour: the disconnect timeout, checked by a scan at most 1 s late.
        var time = new FakeTimeProvider();
        await using var server = await StartAsync(null, HostKind.TestHost, time, TimeSpan.FromSeconds(15));
        using var client = server.CreateClient();
        var token = await QuotaRequests.NegotiateTokenAsync(client, Path);
        Assert.True(server.Manager.TryGetConnection(token, out var connection));
        time.Advance(TimeSpan.FromSeconds(15));
        Assert.False(connection.IsClosing);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(connection.IsClosing);
        await server.WaitForConnectionCountAsync(0);
    }

    [Fact]
    public async Task QuotasAreOffByDefault()
    {
        await using var server = await StartAsync(null);
        Assert.Null(server.Manager.Quotas);
        using var client = server.CreateClient();
        await Parallel.ForEachAsync(Enumerable.Range(0, 300), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) =>
        {
            using var response = await QuotaRequests.NegotiateAsync(client, Path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        });

        var sockets = new List<WebSocket>();
        for (var i = 0; i < 30; i++)
        {
            sockets.Add(await server.ConnectWebSocketAsync());
        }

        Assert.Equal(330, server.Manager.Count);
        foreach (var socket in sockets)
        {
            socket.Abort();
            socket.Dispose();
        }

        await server.WaitForConnectionCountAsync(300);
    }

    [Fact]
    public async Task RacingNegotiatesAttachesAndClosesLeaveEveryCountAtZero()
    {
        await using var server = await StartAsync(o =>
        {
            o.MaxConnectionsPerClientIp = 100_000;
            o.MaxPendingConnectionsPerClientIp = 100_000;
            o.MaxPendingConnections = 100_000;
        });
        using var client = server.CreateClient();
        await Parallel.ForEachAsync(Enumerable.Range(0, 1_000), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var token = await QuotaRequests.NegotiateTokenAsync(client, Path);
            Assert.True(server.Manager.TryGetConnection(token, out var connection));
            switch (i % 3)
            {
                case 0:
                    // Attach, then the client closes.
                    using (var socket = await server.ConnectWebSocketAsync("?id=" + token))
                    {
                        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    }

                    break;
                case 1:
                    // The server aborts while the transport attaches (either may win).
                    var attach = server.ConnectWebSocketAsync("?id=" + token);
                    connection.Abort(new ConnectionAbortedException("race"));
                    try
                    {
                        using var socket = await attach;
                        socket.Abort();
                    }
                    catch (WebSocketException)
                    {
                        // The close won: 404 for the upgrade.
                    }

                    break;
                default:
                    // Pending, closed by the server (as the expiry does).
                    await connection.CloseAsync(new TimeoutException("race"), ConnectionEndReason.Timeout);
                    break;
            }
        });

        await server.WaitForConnectionCountAsync(0, TimeSpan.FromSeconds(30));
        Assert.Equal((0, 0, 0, 0), server.Manager.Quotas!.Snapshot());
    }

    private static (int Live, int Pending) Snapshot(TransportTestServer server)
    {
        var (live, pending, _, _) = server.Manager.Quotas!.Snapshot();
        return (live, pending);
    }
}
