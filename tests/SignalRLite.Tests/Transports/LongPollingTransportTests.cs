using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Connections;
using SignalRLite.Internal.Transports;
using SignalRLite.Http.Connections.Features;
using SignalRLite.Tests.Infrastructure;

namespace SignalRLite.Tests.Transports;

[Trait("Category", "Integration")]
public class LongPollingTransportTests
{
    private static string Url(string token) => TransportTestServer.Path + "?id=" + token;

    /// <summary>Negotiates and makes the first poll, which starts the application.</summary>
    internal static async Task<string> ConnectAsync(HttpClient client)
    {
        var (_, token) = await WebSocketTransportTests.NegotiateAsync(client);
        var first = await client.GetAsync(Url(token!));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        return token!;
    }

    [Theory]
    [InlineData(HostKind.TestHost)]
    [InlineData(HostKind.Kestrel)]
    public async Task C34_FirstPollReturnsEmpty200Immediately(HostKind kind)
    {
        var app = new RecordingApplication();
        await using var server = await TransportTestServer.StartAsync(kind, o => o.LongPolling.PollTimeout = TimeSpan.FromSeconds(30), app.RunAsync);
        using var client = server.CreateClient();
        var (_, token) = await WebSocketTransportTests.NegotiateAsync(client);
        var watch = Stopwatch.StartNew();
        var response = await client.GetAsync(Url(token!));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
        var connection = await app.Connected.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(connection.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionInherentKeepAliveFeature>()!.HasInherentKeepAlive);
        if (kind == HostKind.Kestrel)
        {
            Assert.Equal("127.0.0.1", ((System.Net.IPEndPoint)connection.RemoteEndPoint!).Address.ToString());
        }

        var httpContext = connection.Features.Get<IHttpContextFeature>()!.HttpContext!;
        Assert.Equal(TransportTestServer.Path, httpContext.Request.Path.Value);
        Assert.Contains("id=", httpContext.Request.QueryString.Value);
    }

    [Fact]
    public async Task C35_PollTimeoutReturnsEmpty200()
    {
        var pollTimeout = TimeSpan.FromSeconds(7);
        var time = new ObservedTimeProvider();
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost, o => o.LongPolling.PollTimeout = pollTimeout, timeProvider: time);
        using var client = server.CreateClient();
        var token = await ConnectAsync(client);
        var poll = client.GetAsync(Url(token));

        // The poll armed its timeout: it waits for output now.
        await time.WhenArmedAsync(pollTimeout).WaitAsync(TimeSpan.FromSeconds(10));
        time.Advance(pollTimeout - TimeSpan.FromMilliseconds(1));
        Assert.False(poll.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var response = await poll.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, response.Content.Headers.ContentLength);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, server.Manager.Count);
    }

    [Theory]
    [InlineData(HostKind.TestHost)]
    [InlineData(HostKind.Kestrel)]
    public async Task C36_PollReturnsAllBufferedBytesAtOnce(HostKind kind)
    {
        await using var server = await TransportTestServer.StartAsync(kind, o => o.LongPolling.PollTimeout = TimeSpan.FromSeconds(30));
        using var client = server.CreateClient();
        var token = await ConnectAsync(client);
        // The echo application writes each POST back; the two writes pile up until the next poll.
        var response = await client.PostAsync(Url(token), new StringContent("{\"a\":1}\u001e"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await client.PostAsync(Url(token), new StringContent("{\"b\":2}\u001e"));
        var text = "";
        while (text.Length < 16)
        {
            var poll = await client.GetAsync(Url(token));
            Assert.Equal(HttpStatusCode.OK, poll.StatusCode);
            Assert.Equal("application/octet-stream", poll.Content.Headers.ContentType!.ToString());
            text += await poll.Content.ReadAsStringAsync();
        }

        Assert.Equal("{\"a\":1}\u001e{\"b\":2}\u001e", text);
    }

    [Fact]
    public async Task PollWaitsForDataThenAnswers()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, o => o.LongPolling.PollTimeout = TimeSpan.FromSeconds(30));
        using var client = server.CreateClient();
        var token = await ConnectAsync(client);
        var poll = client.GetAsync(Url(token));
        await client.PostAsync(Url(token), new StringContent("late"));
        var response = await poll;
        Assert.Equal("late", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task BinaryActiveFormatUsesOctetStream()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost, application: new RecordingApplication().RunAsync);
        using var client = server.CreateClient();
        var token = await ConnectAsync(client);
        await client.PostAsync(Url(token), new StringContent("!binary"));
        var poll = await client.GetAsync(Url(token));
        Assert.Equal("application/octet-stream", poll.Content.Headers.ContentType!.MediaType);
        Assert.Equal("!binary", await poll.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(HostKind.TestHost)]
    [InlineData(HostKind.Kestrel)]
    public async Task C37_NewPollEndsThePendingOneWith204(HostKind kind)
    {
        await using var server = await TransportTestServer.StartAsync(kind, o => o.LongPolling.PollTimeout = TimeSpan.FromSeconds(30), timeProvider: new ObservedTimeProvider());
        using var client = server.CreateClient();
        var token = await ConnectAsync(client);
        var older = client.GetAsync(Url(token));
        await WaitForPendingPollAsync(server, token);
        var newer = client.GetAsync(Url(token));
        Assert.Equal(HttpStatusCode.NoContent, (await older.WaitAsync(TimeSpan.FromSeconds(10))).StatusCode);
        Assert.False(newer.IsCompleted);
        await client.PostAsync(Url(token), new StringContent("for the newer"));
        var response = await newer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("for the newer", await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Item 7 of the convergence: a newer poll still taking over from an older one when the connection closes answers an
    /// empty 404 (the official server's answer in that window). Deterministic: the test itself holds the older lease, so
    /// the newer poll is stuck in the hand-over until the test lets go, after the DELETE.
    /// </summary>
    [Fact]
    public async Task APollStillTakingOverWhenTheConnectionCloses_Is404()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, o => o.LongPolling.PollTimeout = TimeSpan.FromSeconds(30));
        using var client = server.CreateClient();
        var token = await ConnectAsync(client);
        Assert.True(server.Manager.TryGetConnection(token, out var connection));
        using var olderCts = new CancellationTokenSource();
        var older = new SignalRLite.Internal.Transports.TransportLease(olderCts);
        Assert.Equal(SignalRLite.Internal.Transports.AttachStatus.Attached, await connection.AttachPollAsync(older));
        var superseded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = olderCts.Token.Register(() => superseded.TrySetResult());

        var newer = client.GetAsync(Url(token));
        await superseded.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.Accepted, (await client.DeleteAsync(Url(token))).StatusCode);
        Assert.False(newer.IsCompleted);
        connection.ReleaseReader(older);

        var response = await newer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.ToString());
        Assert.Equal("no-cache, no-store", string.Join(",", response.Headers.NonValidated["Cache-Control"]));
    }

    /// <summary>
    /// Waits until a poll holds the connection and waits for output. On a server started with an
    /// <see cref="ObservedTimeProvider"/> that is an event (the poll arms its timeout); otherwise (the comparison with
    /// the official server, where both run on the real clock with the same options) the internal state, which raises
    /// no event, is polled.
    /// </summary>
    internal static async Task WaitForPendingPollAsync(TransportTestServer server, string token)
    {
        Assert.True(server.Manager.TryGetConnection(token, out var connection));
        if (server.TimeProvider is ObservedTimeProvider time)
        {
            await time.WhenArmedAsync(server.Options.LongPolling.PollTimeout).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(connection.HasPendingPoll);
            return;
        }

        await TestWaits.UntilAsync(() => connection.HasPendingPoll, "no poll became pending");
    }

    [Theory]
    [InlineData(HostKind.TestHost)]
    [InlineData(HostKind.Kestrel)]
    public async Task C38_DeleteReturns202_EndsPendingPollWith204_AndEndsTheConnectionOnce(HostKind kind)
    {
        var app = new RecordingApplication();
        await using var server = await TransportTestServer.StartAsync(
            kind, o => o.LongPolling.PollTimeout = TimeSpan.FromSeconds(30), app.RunAsync, timeProvider: new ObservedTimeProvider());
        using var client = server.CreateClient();
        var token = await ConnectAsync(client);
        var pending = client.GetAsync(Url(token));
        await WaitForPendingPollAsync(server, token);
        var delete = await client.DeleteAsync(Url(token));
        Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await pending.WaitAsync(TimeSpan.FromSeconds(10))).StatusCode);
        Assert.Null(await app.InputEnded.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        await server.WaitForConnectionCountAsync(0);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Url(token))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync(Url(token))).StatusCode);
        Assert.Equal(1, app.Runs);
    }

    [Theory]
    [InlineData(HostKind.TestHost)]
    [InlineData(HostKind.Kestrel)]
    public async Task C39_ServerClose_DeliversRemainingDataThen204Then404(HostKind kind)
    {
        await using var server = await TransportTestServer.StartAsync(kind, o => o.LongPolling.PollTimeout = TimeSpan.FromSeconds(30), async c =>
        {
            await new RecordingApplication().RunAsync(c);
            await c.Transport.Output.WriteAsync("{\"type\":7}\u001e"u8.ToArray());
        });
        using var client = server.CreateClient();
        var token = await ConnectAsync(client);
        await client.PostAsync(Url(token), new StringContent("!close"));
        var last = await client.GetAsync(Url(token));
        Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        Assert.Equal("{\"type\":7}\u001e", await last.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NoContent, (await client.GetAsync(Url(token))).StatusCode);
        await server.WaitForConnectionCountAsync(0);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Url(token))).StatusCode);
    }

    [Fact]
    public async Task C40_MissingIdIs400_UnknownIdIs404()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost);
        using var client = server.CreateClient();
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync(TransportTestServer.Path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(TransportTestServer.Path + "?id=unknown")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.DeleteAsync(TransportTestServer.Path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync(TransportTestServer.Path + "?id=unknown")).StatusCode);
    }

    [Fact]
    public async Task C41_ConnectionWithoutPollIsClosedAfterDisconnectTimeout()
    {
        var app = new RecordingApplication();
        var time = new ObservedTimeProvider();
        await using var server = await TransportTestServer.StartAsync(
            HostKind.TestHost, application: app.RunAsync, disconnectTimeout: TimeSpan.FromSeconds(10), timeProvider: time);
        using var client = server.CreateClient();
        var token = await ConnectAsync(client);
        Assert.True(server.Manager.TryGetConnection(token, out var connection));

        // The disconnect timeout counts from the end of the last poll (the scan ticks inside Advance, once a second).
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(connection.IsClosing);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(connection.IsClosing);

        Assert.IsType<TimeoutException>(await app.InputEnded.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        await connection.CloseAsync(null).WaitAsync(TimeSpan.FromSeconds(10)); // the running close's task
        Assert.Equal(0, server.Manager.Count);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Url(token))).StatusCode);
    }

    [Fact]
    public async Task PendingPollKeepsTheConnectionAliveBeyondDisconnectTimeout()
    {
        var app = new RecordingApplication();
        var pollTimeout = TimeSpan.FromSeconds(60);
        var time = new ObservedTimeProvider();
        await using var server = await TransportTestServer.StartAsync(
            HostKind.TestHost, o => o.LongPolling.PollTimeout = pollTimeout, app.RunAsync, disconnectTimeout: TimeSpan.FromSeconds(10), timeProvider: time);
        using var client = server.CreateClient();
        var token = await ConnectAsync(client);
        Assert.True(server.Manager.TryGetConnection(token, out var connection));
        var poll = client.GetAsync(Url(token));
        await time.WhenArmedAsync(pollTimeout).WaitAsync(TimeSpan.FromSeconds(10));

        // Three disconnect timeouts with a poll pending: still open.
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.False(connection.IsClosing);
        time.Advance(TimeSpan.FromSeconds(30));
        var response = await poll.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(connection.IsClosing);
        Assert.False(app.InputEnded.Task.IsCompleted);
        Assert.Equal(1, server.Manager.Count);
    }

    [Fact]
    public async Task DeleteOnUnattachedConnectionIs400()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost);
        using var client = server.CreateClient();
        var (_, token) = await WebSocketTransportTests.NegotiateAsync(client);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.DeleteAsync(Url(token!))).StatusCode);
    }

    [Fact]
    public async Task SseOrWebSocketOnLongPollingConnectionIs400()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost);
        using var client = server.CreateClient();
        var token = await ConnectAsync(client);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(SseStream.CreateRequest("?id=" + token))).StatusCode);
        Assert.Equal(400, await WebSocketTransportTests.RejectedStatusAsync(server, "?id=" + token));
    }
}
