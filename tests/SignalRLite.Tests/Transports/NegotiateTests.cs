using System.Net;
using System.Text.Json;
using SignalRLite.Http.Connections;

namespace SignalRLite.Tests.Transports;

[Trait("Category", "Integration")]
public class NegotiateTests
{
    private static async Task<(HttpResponseMessage Response, JsonElement Body)> NegotiateAsync(HttpClient client, string query = "", HttpContent? content = null)
    {
        var response = await client.PostAsync(TransportTestServer.Path + "/negotiate" + query, content);
        var text = await response.Content.ReadAsStringAsync();
        var body = response.StatusCode == HttpStatusCode.OK ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return (response, body);
    }

    [Theory]
    [InlineData(HostKind.TestHost)]
    [InlineData(HostKind.Kestrel)]
    public async Task C1_NoVersion_AnswersVersion0WithoutToken(HostKind kind)
    {
        await using var server = await TransportTestServer.StartAsync(kind);
        using var client = server.CreateClient();
        var (response, body) = await NegotiateAsync(client);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, body.GetProperty("negotiateVersion").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("connectionId").GetString()));
        Assert.False(body.TryGetProperty("connectionToken", out _));
        Assert.Equal(1, server.Manager.Count);
    }

    [Fact]
    public async Task C2_Version1_AnswersDistinctIdAndToken()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost);
        using var client = server.CreateClient();
        var (_, body) = await NegotiateAsync(client, "?negotiateVersion=1");
        Assert.Equal(1, body.GetProperty("negotiateVersion").GetInt32());
        var id = body.GetProperty("connectionId").GetString()!;
        var token = body.GetProperty("connectionToken").GetString()!;
        Assert.NotEqual(id, token);
        Assert.True(token.Length >= 22);
        Assert.Matches("^[A-Za-z0-9_-]+$", token);
    }

    [Fact]
    public async Task C3_HigherVersion_AnswersVersion1()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost);
        using var client = server.CreateClient();
        var (_, body) = await NegotiateAsync(client, "?negotiateVersion=7");
        Assert.Equal(1, body.GetProperty("negotiateVersion").GetInt32());
        Assert.True(body.TryGetProperty("connectionToken", out _));
    }

    [Fact]
    public async Task C4_BelowMinimum_AnswersErrorAndCreatesNoConnection()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost, o => o.MinimumProtocolVersion = 1);
        using var client = server.CreateClient();
        var (response, body) = await NegotiateAsync(client);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetString()));
        Assert.False(body.TryGetProperty("connectionId", out _));
        Assert.Equal(0, server.Manager.Count);
    }

    [Theory]
    [InlineData("?negotiateVersion=abc")]
    [InlineData("?negotiateVersion=1.5")]
    [InlineData("?negotiateVersion=")]
    [InlineData("?negotiateVersion=99999999999")]
    [InlineData("?negotiateVersion=1&negotiateVersion=1")]
    public async Task NonIntegerVersion_Is200WithAnErrorAndNoConnection(string query)
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost);
        using var client = server.CreateClient();
        var (response, body) = await NegotiateAsync(client, query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("The client requested a non-integer protocol version.", body.GetProperty("error").GetString());
        Assert.Equal(0, server.Manager.Count);
    }

    [Fact]
    public async Task C5_C6_ContentTypeWithoutCacheHeadersAndTransportsInOrder()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost);
        using var client = server.CreateClient();
        var (response, body) = await NegotiateAsync(client, "?negotiateVersion=1");
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        // As the official server: no cache headers on negotiate (a POST response is not cached anyway).
        Assert.Null(response.Headers.CacheControl);
        Assert.False(response.Headers.Contains("Pragma"));
        var transports = body.GetProperty("availableTransports").EnumerateArray()
            .Select(t => t.GetProperty("transport").GetString() + ":" + string.Join(",", t.GetProperty("transferFormats").EnumerateArray().Select(f => f.GetString())))
            .ToArray();
        Assert.Equal(["WebSockets:Text,Binary", "ServerSentEvents:Text", "LongPolling:Text,Binary"], transports);
        Assert.False(body.TryGetProperty("useStatefulReconnect", out _));
    }

    [Theory]
    [InlineData(HttpTransportType.WebSockets, "WebSockets")]
    [InlineData(HttpTransportType.ServerSentEvents | HttpTransportType.LongPolling, "ServerSentEvents,LongPolling")]
    [InlineData(HttpTransportType.WebSockets | HttpTransportType.LongPolling, "WebSockets,LongPolling")]
    public async Task C7_DisabledTransportsAreNotListed(HttpTransportType transports, string expected)
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost, o => o.Transports = transports);
        using var client = server.CreateClient();
        var (_, body) = await NegotiateAsync(client, "?negotiateVersion=1");
        var names = body.GetProperty("availableTransports").EnumerateArray().Select(t => t.GetProperty("transport").GetString());
        Assert.Equal(expected, string.Join(",", names));
    }

    [Theory]
    [InlineData(true, "?negotiateVersion=1&useStatefulReconnect=true", true)]
    [InlineData(false, "?negotiateVersion=1&useStatefulReconnect=true", false)]
    [InlineData(true, "?negotiateVersion=1", false)]
    [InlineData(true, "?negotiateVersion=0&useStatefulReconnect=true", true)]
    [InlineData(true, "?negotiateVersion=1&useStatefulReconnect=TRUE", true)]
    [InlineData(true, "?negotiateVersion=1&useStatefulReconnect=1", false)]
    public async Task C8_StatefulReconnectOnlyWhenAskedAndAllowed(bool allowed, string query, bool expected)
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost, o => o.AllowStatefulReconnects = allowed);
        using var client = server.CreateClient();
        var (_, body) = await NegotiateAsync(client, query);
        Assert.Equal(expected, body.TryGetProperty("useStatefulReconnect", out var value) && value.GetBoolean());
    }

    [Fact]
    public async Task C9_UnknownParametersAndBodyAreIgnored()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost);
        using var client = server.CreateClient();
        var (response, body) = await NegotiateAsync(client, "?negotiateVersion=1&foo=bar&access_token=secret", new StringContent("{\"garbage\":true}"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, body.GetProperty("negotiateVersion").GetInt32());
    }

    [Fact]
    public async Task C10_IdsAndTokensAreNeverRepeated()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost);
        using var client = server.CreateClient();
        var seen = new HashSet<string>();
        for (var i = 0; i < 200; i++)
        {
            var (_, body) = await NegotiateAsync(client, "?negotiateVersion=1");
            Assert.True(seen.Add(body.GetProperty("connectionId").GetString()!));
            Assert.True(seen.Add(body.GetProperty("connectionToken").GetString()!));
        }
    }

    [Fact]
    public async Task GetNegotiate_Is405()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost);
        using var client = server.CreateClient();
        var response = await client.GetAsync(TransportTestServer.Path + "/negotiate");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(0, server.Manager.Count);
    }

    [Fact]
    public async Task C12_UnusedConnectionIsDiscardedAfterDisconnectTimeout()
    {
        var time = new ObservedTimeProvider();
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost, disconnectTimeout: TimeSpan.FromSeconds(10), timeProvider: time);
        using var client = server.CreateClient();
        var (_, body) = await NegotiateAsync(client, "?negotiateVersion=1");
        var token = body.GetProperty("connectionToken").GetString()!;
        Assert.True(server.Manager.TryGetConnection(token, out var connection));

        // The manager's scan timer ticks (once a second here) synchronously inside Advance.
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(connection.IsClosing);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(connection.IsClosing);
        Assert.IsType<TimeoutException>(connection.CloseError);

        // The close already runs: CloseAsync returns its task (it is idempotent).
        await connection.CloseAsync(null).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, server.Manager.Count);
        var poll = await client.GetAsync(TransportTestServer.Path + "?id=" + token);
        Assert.Equal(HttpStatusCode.NotFound, poll.StatusCode);
    }
}

public class NegotiateResponseWriterTests
{
    [Fact]
    public void WritingANegotiateResponseAllocatesNothingOnceWarm()
    {
        var all = HttpTransportType.WebSockets | HttpTransportType.ServerSentEvents | HttpTransportType.LongPolling;
        void WriteOnce()
        {
            var buffer = SignalRLite.Internal.Protocol.PooledBufferWriter.Rent();
            SignalRLite.Internal.Transports.NegotiateResponseWriter.WriteConnection(buffer, 1, "ZxYtlB0m1kKqZ8qQh3HGjw", "Wm3b2w2Wbq5ZQ0qJ0dM4tA", all, useStatefulReconnect: true);
            SignalRLite.Internal.Protocol.PooledBufferWriter.Return(buffer);
        }

        WriteOnce();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            WriteOnce();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void WritesTheDocumentedShape()
    {
        var buffer = SignalRLite.Internal.Protocol.PooledBufferWriter.Rent();
        SignalRLite.Internal.Transports.NegotiateResponseWriter.WriteConnection(buffer, 1, "id", "token", HttpTransportType.WebSockets | HttpTransportType.ServerSentEvents | HttpTransportType.LongPolling, false);
        var json = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        SignalRLite.Internal.Protocol.PooledBufferWriter.Return(buffer);
        Assert.Equal(
            "{\"negotiateVersion\":1,\"connectionId\":\"id\",\"connectionToken\":\"token\",\"availableTransports\":[{\"transport\":\"WebSockets\",\"transferFormats\":[\"Text\",\"Binary\"]},{\"transport\":\"ServerSentEvents\",\"transferFormats\":[\"Text\"]},{\"transport\":\"LongPolling\",\"transferFormats\":[\"Text\",\"Binary\"]}]}",
            json);
    }
}
