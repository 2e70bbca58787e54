using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;
using SignalRLite.Internal.Transports;
using SignalRLite.Tests.Infrastructure;

namespace SignalRLite.Tests.Transports;

/// <summary>The HTTP POST send channel of SSE and Long Polling (PROTOCOL.md §6).</summary>
[Trait("Category", "Integration")]
public class SendChannelTests
{
    private static string Url(string token) => TransportTestServer.Path + "?id=" + token;

    [Fact]
    public async Task C23_C24_MissingIdIs400_UnknownIdIs404()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost);
        using var client = server.CreateClient();
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync(TransportTestServer.Path, new StringContent("x"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync(TransportTestServer.Path + "?id=unknown", new StringContent("x"))).StatusCode);
    }

    [Fact]
    public async Task C25_PostCompletesOnlyAfterTheWholeBodyIsInThePipe_WithBackpressure()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, o => o.TransportMaxBufferSize = 4096, async c =>
        {
            await release.Task;
            var all = new MemoryStream();
            while (all.Length < 100_000)
            {
                var result = await c.Transport.Input.ReadAsync();
                foreach (var segment in result.Buffer)
                {
                    all.Write(segment.Span);
                }

                c.Transport.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            received.TrySetResult(all.ToArray());
            await c.Transport.Input.CompleteAsync();
        });
        using var client = server.CreateClient();
        var token = await LongPollingTransportTests.ConnectAsync(client);
        var body = new byte[100_000];
        Random.Shared.NextBytes(body);
        var post = client.PostAsync(Url(token), new ByteArrayContent(body));
        // The application reads nothing yet: with a 4 KB pipe the POST cannot finish. A negative has no event to
        // await: a short bounded window in which a POST that is not held back would have completed.
        await TestWaits.NegativeWindowAsync();
        Assert.False(post.IsCompleted);
        release.SetResult();
        Assert.Equal(HttpStatusCode.OK, (await post.WaitAsync(TimeSpan.FromSeconds(10))).StatusCode);
        Assert.Equal(body, await received.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task C26_ConcurrentPostWaitsForTheFirstAndItsBytesFollowTheFirstOnes()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, o => o.LongPolling.PollTimeout = TimeSpan.FromSeconds(30));
        using var client = server.CreateClient();
        var token = await LongPollingTransportTests.ConnectAsync(client);
        var content = new SlowContent("first-", "half");
        var slow = client.PostAsync(Url(token), content);
        await WaitForWriterAsync(server, token);
        var second = client.PostAsync(Url(token), new StringContent("|second"));
        await WaitForWaitingPostsAsync(server, token, 1);
        Assert.False(second.IsCompleted);
        content.Continue();
        Assert.Equal(HttpStatusCode.OK, (await slow).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await second).StatusCode);
        var text = "";
        while (text.Length < "first-half|second".Length)
        {
            text += await (await client.GetAsync(Url(token))).Content.ReadAsStringAsync();
        }

        Assert.Equal("first-half|second", text);
    }

    [Fact]
    public async Task AWaitingPostEndsWith404WhenTheConnectionCloses_AndOneWhoseRequestIsAbortedLeavesTheQueue()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, o => o.LongPolling.PollTimeout = TimeSpan.FromSeconds(30));
        using var client = server.CreateClient();
        var token = await LongPollingTransportTests.ConnectAsync(client);
        var content = new SlowContent("first-", "half");
        var slow = client.PostAsync(Url(token), content);
        await WaitForWriterAsync(server, token);

        using var abort = new CancellationTokenSource();
        var aborted = client.PostAsync(Url(token), new StringContent("aborted"), abort.Token);
        await WaitForWaitingPostsAsync(server, token, 1);
        abort.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => aborted);
        await WaitForWaitingPostsAsync(server, token, 0);

        var waiting = client.PostAsync(Url(token), new StringContent("waiting"));
        await WaitForWaitingPostsAsync(server, token, 1);
        Assert.Equal(HttpStatusCode.Accepted, (await client.DeleteAsync(Url(token))).StatusCode);

        // The first POST's body is still incomplete: the waiting one is answered without waiting for it.
        var answer = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
        Assert.Equal("", await answer.Content.ReadAsStringAsync());
        Assert.False(slow.IsCompleted);
        content.Continue();
        Assert.Equal(HttpStatusCode.NotFound, (await slow).StatusCode);
    }

    [Fact]
    public async Task AtMostSixteenPostsWaitPerConnection_TheNextIs409()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, o => o.LongPolling.PollTimeout = TimeSpan.FromSeconds(30));
        using var client = server.CreateClient();
        var token = await LongPollingTransportTests.ConnectAsync(client);
        var content = new SlowContent("a", "b");
        var slow = client.PostAsync(Url(token), content);
        await WaitForWriterAsync(server, token);
        var waiting = new List<Task<HttpResponseMessage>>();
        for (var i = 0; i < PostQueue.MaxWaiting; i++)
        {
            waiting.Add(client.PostAsync(Url(token), new StringContent("c")));
        }

        await WaitForWaitingPostsAsync(server, token, PostQueue.MaxWaiting);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync(Url(token), new StringContent("d"))).StatusCode);
        content.Continue();
        Assert.Equal(HttpStatusCode.OK, (await slow).StatusCode);
        foreach (var post in waiting)
        {
            Assert.Equal(HttpStatusCode.OK, (await post).StatusCode);
        }
    }

    /// <summary>Polls the queue's counter (it raises no event) until <paramref name="count"/> POSTs wait.</summary>
    private static async Task WaitForWaitingPostsAsync(TransportTestServer server, string token, int count)
    {
        Assert.True(server.Manager.TryGetConnection(token, out var connection));
        await TestWaits.UntilAsync(() => connection.Posts.Waiting == count, $"{connection.Posts.Waiting} POSTs wait, expected {count}");
    }

    /// <summary>Polls the connection's state (it raises no event) until a POST writes to the application.</summary>
    private static async Task WaitForWriterAsync(TransportTestServer server, string token)
    {
        Assert.True(server.Manager.TryGetConnection(token, out var connection));
        await TestWaits.UntilAsync(() => connection.HasPendingPost, "the POST never started");
    }

    [Fact]
    public async Task C27_ConcatenatedMessagesArriveInOrder()
    {
        var app = new RecordingApplication();
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost, application: app.RunAsync);
        using var client = server.CreateClient();
        var token = await LongPollingTransportTests.ConnectAsync(client);
        const string messages = "{\"type\":6}\u001e{\"type\":1,\"target\":\"a\",\"arguments\":[]}\u001e{\"type\":7}\u001e";
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(Url(token), new StringContent(messages))).StatusCode);
        Assert.Equal(messages, await (await client.GetAsync(Url(token))).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PostOnWebSocketConnectionIs405()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost);
        using var client = server.CreateClient();
        var (_, token) = await WebSocketTransportTests.NegotiateAsync(client);
        using var socket = await server.ConnectWebSocketAsync("?id=" + token);
        var response = await client.PostAsync(Url(token!), new StringContent("x"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("POST requests are not allowed for WebSocket connections.", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PostBeforeAnyTransportIsAccepted()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost);
        using var client = server.CreateClient();
        var (_, token) = await WebSocketTransportTests.NegotiateAsync(client);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(Url(token!), new StringContent("early"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(Url(token!))).StatusCode);
        Assert.Equal("early", await (await client.GetAsync(Url(token!))).Content.ReadAsStringAsync());
    }
}
