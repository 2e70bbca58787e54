using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SignalRLite.Http.Connections;
using SignalRLite.Tests.Infrastructure;
using OfficialHub = Microsoft.AspNetCore.SignalR.Hub;
using OfficialOptions = Microsoft.AspNetCore.Http.Connections.HttpConnectionDispatcherOptions;
using OfficialTransports = Microsoft.AspNetCore.Http.Connections.HttpTransportType;

namespace SignalRLite.Tests.Transports;

/// <summary>
/// Black-box comparison with the official server of the shared framework (Microsoft.AspNetCore.SignalR, .NET 10): the
/// same raw HTTP/WebSocket probes run against an official hub endpoint and against our transport layer, both on
/// Kestrel at 127.0.0.1 under the same path. The differential tests (both servers in one test, answers compared in full)
/// are in <see cref="OfficialDifferentialTests"/>.
/// </summary>
[Trait("Category", "OfficialComparison")]
[Trait("Category", "Integration")]
public class OfficialServerComparisonTests
{
    public sealed class ProbeHub : OfficialHub
    {
    }

    private sealed class Target : IAsyncDisposable
    {
        private readonly IAsyncDisposable _server;

        public Target(IAsyncDisposable server, Uri baseAddress)
        {
            _server = server;
            BaseAddress = baseAddress;
            Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        }

        public Uri BaseAddress { get; }

        public HttpClient Client { get; }

        /// <summary>Our server, to wait on its state; null for the official one.</summary>
        public TransportTestServer? Ours => _server as TransportTestServer;

        public string Url(string token) => TransportTestServer.Path + "?id=" + token;

        public async Task<string> NegotiateAsync()
        {
            var body = await (await Client.PostAsync(TransportTestServer.Path + "/negotiate?negotiateVersion=1", null)).Content.ReadFromJsonAsync<JsonElement>();
            return body.GetProperty("connectionToken").GetString()!;
        }

        public async Task<int> WebSocketStatusAsync(string query)
        {
            using var socket = new ClientWebSocket();
            socket.Options.CollectHttpResponseDetails = true;
            try
            {
                await socket.ConnectAsync(new Uri($"ws://{BaseAddress.Authority}{TransportTestServer.Path}{query}"), CancellationToken.None);
                return 101;
            }
            catch (WebSocketException)
            {
                return (int)socket.HttpStatusCode;
            }
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await _server.DisposeAsync();
        }
    }

    private sealed class OfficialServer(WebApplication app) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static async Task<Target> StartAsync(string which, OfficialTransports transports = OfficialTransports.WebSockets | OfficialTransports.ServerSentEvents | OfficialTransports.LongPolling)
    {
        var pollTimeout = TimeSpan.FromSeconds(2);
        if (which == "ours")
        {
            var ours = await TransportTestServer.StartAsync(HostKind.Kestrel, o =>
            {
                o.Transports = (HttpTransportType)(int)transports;
                o.LongPolling.PollTimeout = pollTimeout;
            });
            return new Target(ours, ours.BaseAddress);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSignalR();
        var app = builder.Build();
        app.MapHub<ProbeHub>(TransportTestServer.Path, (OfficialOptions o) =>
        {
            o.Transports = transports;
            o.LongPolling.PollTimeout = pollTimeout;
        });
        await app.StartAsync();
        return new Target(new OfficialServer(app), new Uri(app.Urls.First()));
    }

    [Theory]
    [InlineData("official")]
    [InlineData("ours")]
    public async Task RoutingStatusesMatch(string which)
    {
        await using var target = await StartAsync(which);
        var client = target.Client;
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await client.GetAsync(TransportTestServer.Path + "/negotiate")).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await client.PutAsync(TransportTestServer.Path + "?id=x", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync(TransportTestServer.Path)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync(TransportTestServer.Path, null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.DeleteAsync(TransportTestServer.Path)).StatusCode);
        var unknown = await client.GetAsync(target.Url("unknown"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("No Connection with that ID", await unknown.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync(target.Url("unknown"), null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync(target.Url("unknown"))).StatusCode);
        Assert.Equal(404, await target.WebSocketStatusAsync("?id=unknown"));

        var token = await target.NegotiateAsync();
        Assert.Equal(HttpStatusCode.BadRequest, (await client.DeleteAsync(target.Url(token))).StatusCode);
    }

    [Theory]
    [InlineData("official")]
    [InlineData("ours")]
    public async Task DisabledTransportsAre404WithTheSameText(string which)
    {
        await using var target = await StartAsync(which, OfficialTransports.LongPolling);
        var token = await target.NegotiateAsync();
        var sse = await target.Client.SendAsync(SseStream.CreateRequest("?id=" + token));
        Assert.Equal(HttpStatusCode.NotFound, sse.StatusCode);
        Assert.Equal("ServerSentEvents transport not supported by this end point type", await sse.Content.ReadAsStringAsync());
        Assert.Equal(404, await target.WebSocketStatusAsync("?id=" + token));
    }

    [Theory]
    [InlineData("official")]
    [InlineData("ours")]
    public async Task NegotiateBelowMinimumVersionAnswersTheSameError(string which)
    {
        await using var target = await StartAsync(which);
        var response = await target.Client.PostAsync(TransportTestServer.Path + "/negotiate?negotiateVersion=-1", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("The client requested version '-1', but the server does not support this version.", body.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("official")]
    [InlineData("ours")]
    public async Task LongPolling_FirstPollEmpty_NewerPollEndsOlderWith204_DeleteIs202ThenPending204ThenLater404(string which)
    {
        await using var target = await StartAsync(which);
        var client = target.Client;
        var token = await target.NegotiateAsync();
        var first = await client.GetAsync(target.Url(token));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(0, first.Content.Headers.ContentLength);

        // Two overlapping polls: the older answers 204 as soon as the newer arrives; the newer keeps waiting.
        var older = client.GetAsync(target.Url(token));
        await WaitForParkedPollAsync(target, token);
        Assert.False(older.IsCompleted);
        var newer = client.GetAsync(target.Url(token));
        Assert.Equal(HttpStatusCode.NoContent, (await older.WaitAsync(TimeSpan.FromSeconds(1.5))).StatusCode);
        Assert.False(newer.IsCompleted);

        // Let the newer poll take over before the DELETE (both servers answer 404 to a poll still handing over).
        await WaitForParkedPollAsync(target, token);

        var delete = await client.DeleteAsync(target.Url(token));
        Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await newer.WaitAsync(TimeSpan.FromSeconds(1.5))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(target.Url(token))).StatusCode);
    }

    /// <summary>
    /// Until the last poll sent is parked on the server. Ours exposes that state; the official server, a black box,
    /// raises no event and exposes no state for it: there a short window lets the poll arrive (and shows that the
    /// one before it did not end on its own).
    /// </summary>
    private static async Task WaitForParkedPollAsync(Target target, string token)
    {
        if (target.Ours is { } ours)
        {
            await LongPollingTransportTests.WaitForPendingPollAsync(ours, token);
        }
        else
        {
            await TestWaits.NegativeWindowAsync();
        }
    }

    [Theory]
    [InlineData("official")]
    [InlineData("ours")]
    public async Task TransportSwitchIs400_SecondStreamIs409_SseStartsWithComment(string which)
    {
        await using var target = await StartAsync(which);
        var client = target.Client;
        var token = await target.NegotiateAsync();
        await using var sse = await SseStream.OpenAsync(client, "?id=" + token);
        Assert.Equal(":\r\n", await sse.ReadUntilAsync("\r\n"));
        Assert.Equal(HttpStatusCode.Conflict, (await client.SendAsync(SseStream.CreateRequest("?id=" + token))).StatusCode);
        var poll = await client.GetAsync(target.Url(token));
        Assert.Equal(HttpStatusCode.BadRequest, poll.StatusCode);
        Assert.Equal("Cannot change transports mid-connection", await poll.Content.ReadAsStringAsync());
        Assert.Equal(400, await target.WebSocketStatusAsync("?id=" + token));

        var wsToken = await target.NegotiateAsync();
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://{target.BaseAddress.Authority}{TransportTestServer.Path}?id={wsToken}"), CancellationToken.None);
        Assert.Equal(409, await target.WebSocketStatusAsync("?id=" + wsToken));
    }
}
