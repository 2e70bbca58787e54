using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.TestHost;
using SignalRLite.Http.Connections;
using SignalRLite.Http.Connections.Features;

namespace SignalRLite.Tests.Transports;

[Trait("Category", "Integration")]
public class WebSocketTransportTests
{
    internal static async Task<(string Id, string? Token)> NegotiateAsync(HttpClient client, int version = 1)
    {
        var response = await client.PostAsync(TransportTestServer.Path + "/negotiate?negotiateVersion=" + version, null);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("connectionId").GetString()!, body.TryGetProperty("connectionToken", out var t) ? t.GetString() : null);
    }

    /// <summary>Attempts an upgrade that should be refused and returns the HTTP status.</summary>
    internal static async Task<int> RejectedStatusAsync(TransportTestServer server, string query)
    {
        if (server.Kind == HostKind.Kestrel)
        {
            using var socket = new ClientWebSocket();
            socket.Options.CollectHttpResponseDetails = true;
            await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new UriBuilder(server.EndpointUri(query)) { Scheme = "ws" }.Uri, CancellationToken.None));
            return (int)socket.HttpStatusCode;
        }

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => server.ConnectWebSocketAsync(query));
        return int.Parse(Regex.Match(ex.Message, @"\d{3}").Value);
    }

    [Theory]
    [InlineData(HostKind.TestHost)]
    [InlineData(HostKind.Kestrel)]
    public async Task C13_WithoutId_CreatesConnectionAndEchoes(HostKind kind)
    {
        var app = new RecordingApplication();
        await using var server = await TransportTestServer.StartAsync(kind, application: app.RunAsync);
        using var socket = await server.ConnectWebSocketAsync();
        await socket.SendTextAsync("hello");
        Assert.Equal("hello", await socket.ReceiveTextAsync(5));
        Assert.Equal(1, server.Manager.Count);
        var connection = await app.Connected.Task;
        Assert.Equal(HttpTransportType.WebSockets, connection.Features.Get<SignalRLite.Http.Connections.Features.IHttpTransportFeature>()!.TransportType);
        Assert.NotNull(connection.Features.Get<SignalRLite.Http.Connections.Features.IHttpContextFeature>()!.HttpContext);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await server.WaitForConnectionCountAsync(0);
    }

    [Theory]
    [InlineData(HostKind.TestHost)]
    [InlineData(HostKind.Kestrel)]
    public async Task C14_UnknownId_Is404(HostKind kind)
    {
        await using var server = await TransportTestServer.StartAsync(kind);
        Assert.Equal(404, await RejectedStatusAsync(server, "?id=doesnotexist"));
        Assert.Equal(0, server.Manager.Count);
    }

    [Fact]
    public async Task C15_Version1_TokenWorksAndIdIs404()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost);
        using var client = server.CreateClient();
        var (id, token) = await NegotiateAsync(client, 1);
        Assert.Equal(404, await RejectedStatusAsync(server, "?id=" + id));
        using var socket = await server.ConnectWebSocketAsync("?id=" + token + "&access_token=abc");
        await socket.SendTextAsync("x");
        Assert.Equal("x", await socket.ReceiveTextAsync(1));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await server.WaitForConnectionCountAsync(0);
    }

    [Fact]
    public async Task C16_Version0_ConnectionIdWorks()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost);
        using var client = server.CreateClient();
        var (id, token) = await NegotiateAsync(client, 0);
        Assert.Null(token);
        using var socket = await server.ConnectWebSocketAsync("?id=" + id);
        await socket.SendTextAsync("x");
        Assert.Equal("x", await socket.ReceiveTextAsync(1));
    }

    [Theory]
    [InlineData(HostKind.TestHost)]
    [InlineData(HostKind.Kestrel)]
    public async Task C17_SecondSocket_Is409(HostKind kind)
    {
        await using var server = await TransportTestServer.StartAsync(kind);
        using var client = server.CreateClient();
        var (_, token) = await NegotiateAsync(client);
        using var first = await server.ConnectWebSocketAsync("?id=" + token);
        Assert.Equal(409, await RejectedStatusAsync(server, "?id=" + token));
        await first.SendTextAsync("still here");
        Assert.Equal("still here", await first.ReceiveTextAsync(10));
    }

    [Fact]
    public async Task C18_FramesAreTextUntilActiveFormatIsBinary_AndBothOpcodesAreAccepted()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, application: new RecordingApplication().RunAsync);
        using var socket = await server.ConnectWebSocketAsync();
        await socket.SendAsync("abc"u8.ToArray(), WebSocketMessageType.Binary, true, CancellationToken.None);
        var (type, text) = await socket.ReceiveMessageAsync();
        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal("abc", text);
        await socket.SendTextAsync("!binary");
        (type, text) = await socket.ReceiveMessageAsync();
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal("!binary", text);
    }

    [Fact]
    public async Task C19_C20_FragmentedAndCoalescedMessagesReachTheApplicationUnchanged()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel);
        using var socket = await server.ConnectWebSocketAsync();
        await socket.SendTextAsync("{\"a\":", endOfMessage: false);
        await socket.SendTextAsync("1}\u001e", endOfMessage: true);
        await socket.SendTextAsync("{\"b\":2}\u001e{\"c\":3}\u001e");
        var echoed = await socket.ReceiveTextAsync(21);
        Assert.Equal("{\"a\":1}\u001e{\"b\":2}\u001e{\"c\":3}\u001e", echoed);
    }

    [Theory]
    [InlineData(HostKind.TestHost)]
    [InlineData(HostKind.Kestrel)]
    public async Task C21_ServerClose_FlushesThenSendsCloseFrame1000(HostKind kind)
    {
        var app = new RecordingApplication();
        await using var server = await TransportTestServer.StartAsync(kind, application: async c =>
        {
            await c.Transport.Output.WriteAsync("bye"u8.ToArray());
            await app.RunAsync(c);
        });
        using var socket = await server.ConnectWebSocketAsync();
        Assert.Equal("bye", await socket.ReceiveTextAsync(3));
        await socket.SendTextAsync("!close");
        var (type, _) = await socket.ReceiveMessageAsync();
        Assert.Equal(WebSocketMessageType.Close, type);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await server.WaitForConnectionCountAsync(0);
    }

    [Theory]
    [InlineData(HostKind.TestHost)]
    [InlineData(HostKind.Kestrel)]
    public async Task C22_ClientClose_EndsInputGracefullyAndRunsApplicationOnce(HostKind kind)
    {
        var app = new RecordingApplication();
        await using var server = await TransportTestServer.StartAsync(kind, application: app.RunAsync);
        using var socket = await server.ConnectWebSocketAsync();
        await socket.SendTextAsync("x");
        await socket.ReceiveTextAsync(1);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        Assert.Null(await app.InputEnded.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(WebSocketState.Closed, socket.State);
        await server.WaitForConnectionCountAsync(0);
        Assert.Equal(1, app.Runs);
    }

    [Fact]
    public async Task AbruptLoss_EndsInputWithError()
    {
        var app = new RecordingApplication();
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, application: app.RunAsync);
        var socket = await server.ConnectWebSocketAsync();
        await socket.SendTextAsync("x");
        await socket.ReceiveTextAsync(1);
        socket.Abort();
        socket.Dispose();
        Assert.NotNull(await app.InputEnded.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        await server.WaitForConnectionCountAsync(0);
    }

    [Fact]
    public async Task ServerClose_AbortsAfterCloseTimeoutWhenClientNeverAnswers()
    {
        // Fake time: the test moves the clock once the server waits for the close frame (it arms the close timeout).
        var app = new RecordingApplication();
        var time = new ObservedTimeProvider();
        var closeTimeout = TimeSpan.FromSeconds(30);
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, o => o.WebSockets.CloseTimeout = closeTimeout, app.RunAsync, timeProvider: time);
        using var socket = await server.ConnectWebSocketAsync();
        await socket.SendTextAsync("!close");
        // The client reads nothing more and never answers the close frame; the server must give up on its own. The
        // close timeout is armed twice: first to bound the close frame's send, then to wait for the client's close.
        // The clock moves once the second is armed; moved after the first only, it would leave the wait due 30 s
        // after the move, never to fire.
        await time.WhenArmedAsync(closeTimeout).WaitAsync(TimeSpan.FromSeconds(10));
        await time.WhenArmedAsync(closeTimeout).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, server.Manager.Count);
        time.Advance(closeTimeout);
        await server.WaitForConnectionCountAsync(0);
    }

    [Fact]
    public async Task BinaryFrameFromClientIsAccepted()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost);
        using var socket = await server.ConnectWebSocketAsync();
        await socket.SendAsync(new byte[] { 0x03, 0x92, 0x07, 0xC0 }, WebSocketMessageType.Binary, true, CancellationToken.None);
        var (type, text) = await socket.ReceiveMessageAsync();
        Assert.Equal(4, text.Length);
    }

    [Fact]
    public async Task WebSocketOverHttp2ExtendedConnectWorks()
    {
        var app = new RecordingApplication();
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, application: app.RunAsync, http2Only: true);
        using var handler = new SocketsHttpHandler();
        using var invoker = new HttpMessageInvoker(handler);
        using var client = new HttpClient(new SocketsHttpHandler()) { BaseAddress = server.BaseAddress, DefaultRequestVersion = System.Net.HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var (_, token) = await NegotiateAsync(client);
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = System.Net.HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        await socket.ConnectAsync(new UriBuilder(server.EndpointUri("?id=" + token)) { Scheme = "ws" }.Uri, invoker, CancellationToken.None);
        await socket.SendTextAsync("over h2");
        Assert.Equal("over h2", await socket.ReceiveTextAsync(7));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        Assert.Null(await app.InputEnded.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        await server.WaitForConnectionCountAsync(0);
    }

    [Fact]
    public async Task ApplicationAbort_TearsTheSocketDownWithoutCloseFrame()
    {
        var inputEnded = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, application: async c =>
        {
            var result = await c.Transport.Input.ReadAsync();
            c.Transport.Input.AdvanceTo(result.Buffer.End);
            c.Abort(new ConnectionAbortedException("test abort"));
            try
            {
                while (!(await c.Transport.Input.ReadAsync()).IsCompleted)
                {
                }

                inputEnded.TrySetResult(null);
            }
            catch (Exception ex)
            {
                inputEnded.TrySetResult(ex);
            }
        });
        using var socket = await server.ConnectWebSocketAsync();
        await socket.SendTextAsync("x");
        await Assert.ThrowsAsync<WebSocketException>(async () => await socket.ReceiveMessageAsync());
        Assert.IsType<ConnectionAbortedException>(await inputEnded.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        await server.WaitForConnectionCountAsync(0);
    }
}
