using System.Buffers;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using SignalRLite.Internal.Transports;
using SignalRLite.Http.Connections;
using SignalRLite.Http.Connections.Features;

namespace SignalRLite.Tests.Transports;

[Trait("Category", "Integration")]
public class ServerSentEventsTransportTests
{
    [Theory]
    [InlineData(HostKind.TestHost)]
    [InlineData(HostKind.Kestrel)]
    public async Task C28_StreamOpensWithHeadersBeforeAnyData(HostKind kind)
    {
        var app = new RecordingApplication();
        await using var server = await TransportTestServer.StartAsync(kind, application: app.RunAsync);
        using var client = server.CreateClient();
        var (_, token) = await WebSocketTransportTests.NegotiateAsync(client);
        await using var sse = await SseStream.OpenAsync(client, "?id=" + token);
        Assert.Equal("text/event-stream", sse.Response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("no-cache", sse.Response.Headers.CacheControl!.ToString());
        Assert.False(sse.Response.Headers.Contains("X-Accel-Buffering")); // the official headers only
        Assert.Equal(":\r\n", await sse.ReadUntilAsync("\r\n"));
        var connection = await app.Connected.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(TransferFormat.Text, connection.Features.Get<ITransferFormatFeature>()!.SupportedFormats);
        Assert.Equal(HttpTransportType.ServerSentEvents, connection.Features.Get<IHttpTransportFeature>()!.TransportType);
    }

    [Fact]
    public async Task C29_MissingIdIs400_UnknownIdIs404()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost);
        using var client = server.CreateClient();
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(SseStream.CreateRequest(""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(SseStream.CreateRequest("?id=nope"))).StatusCode);
    }

    [Fact]
    public async Task SecondStreamIs409()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel);
        using var client = server.CreateClient();
        var (_, token) = await WebSocketTransportTests.NegotiateAsync(client);
        await using var sse = await SseStream.OpenAsync(client, "?id=" + token);
        Assert.Equal(HttpStatusCode.Conflict, (await client.SendAsync(SseStream.CreateRequest("?id=" + token))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(TransportTestServer.Path + "?id=" + token, new StringContent("ok"))).StatusCode);
        Assert.Equal(":\r\ndata: ok\r\n\r\n", await sse.ReadUntilAsync("\r\n\r\n"));
    }

    [Theory]
    [InlineData(HostKind.TestHost)]
    [InlineData(HostKind.Kestrel)]
    public async Task C30_C31_ChunksAreFramedAsDataLines(HostKind kind)
    {
        await using var server = await TransportTestServer.StartAsync(kind);
        using var client = server.CreateClient();
        var (_, token) = await WebSocketTransportTests.NegotiateAsync(client);
        await using var sse = await SseStream.OpenAsync(client, "?id=" + token);
        await sse.ReadUntilAsync(":\r\n");
        await client.PostAsync(TransportTestServer.Path + "?id=" + token, new StringContent("{\"type\":6}\u001e"));
        Assert.Equal("data: {\"type\":6}\u001e\r\n\r\n", await sse.ReadUntilAsync("\r\n\r\n"));
        await client.PostAsync(TransportTestServer.Path + "?id=" + token, new StringContent("a\r\nb\nc\rd"));
        Assert.Equal("data: a\r\ndata: b\r\ndata: c\r\ndata: d\r\n\r\n", await sse.ReadUntilAsync("\r\n\r\n"));
    }

    [Theory]
    [InlineData("abc", "data: abc\r\n\r\n")]
    [InlineData("a\n", "data: a\r\ndata: \r\n\r\n")]
    [InlineData("\r\n\r\n", "data: \r\ndata: \r\ndata: \r\n\r\n")]
    [InlineData("x\r\ry", "data: x\r\ndata: \r\ndata: y\r\n\r\n")]
    public void WriteEvent_SplitsLinesAcrossSegmentBoundaries(string payload, string expected)
    {
        var bytes = Encoding.UTF8.GetBytes(payload);
        // Every split point, so that CR and LF of one CRLF may land in different segments.
        for (var split = 0; split <= bytes.Length; split++)
        {
            var sequence = TwoSegments(bytes.AsMemory(0, split), bytes.AsMemory(split));
            var output = new ArrayBufferWriter<byte>();
            ServerSentEventsTransport.WriteEvent(output, sequence);
            Assert.Equal(expected, Encoding.UTF8.GetString(output.WrittenSpan));
        }
    }

    private static ReadOnlySequence<byte> TwoSegments(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second)
    {
        var head = new Segment(first);
        var tail = head.Append(second);
        return new ReadOnlySequence<byte>(head, 0, tail, tail.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }

    [Theory]
    [InlineData(HostKind.TestHost)]
    [InlineData(HostKind.Kestrel)]
    public async Task C33_AbortingTheRequestEndsTheConnection(HostKind kind)
    {
        var app = new RecordingApplication();
        await using var server = await TransportTestServer.StartAsync(kind, application: app.RunAsync);
        using var client = server.CreateClient();
        var (_, token) = await WebSocketTransportTests.NegotiateAsync(client);
        using var cts = new CancellationTokenSource();
        var sse = await SseStream.OpenAsync(client, "?id=" + token, cts.Token);
        await sse.ReadUntilAsync(":\r\n");
        await app.Connected.Task.WaitAsync(TimeSpan.FromSeconds(10));
        cts.Cancel();
        await sse.DisposeAsync();
        await app.InputEnded.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await server.WaitForConnectionCountAsync(0);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync(TransportTestServer.Path + "?id=" + token, new StringContent("x"))).StatusCode);
        Assert.Equal(1, app.Runs);
    }

    [Fact]
    public async Task ServerClose_EndsTheResponseAfterTheLastEvent()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, application: async c =>
        {
            await new RecordingApplication().RunAsync(c);
            await c.Transport.Output.WriteAsync("{\"type\":7}\u001e"u8.ToArray());
        });
        using var client = server.CreateClient();
        var (_, token) = await WebSocketTransportTests.NegotiateAsync(client);
        await using var sse = await SseStream.OpenAsync(client, "?id=" + token);
        await sse.ReadUntilAsync(":\r\n");
        await client.PostAsync(TransportTestServer.Path + "?id=" + token, new StringContent("!close"));
        Assert.Equal("data: {\"type\":7}\u001e\r\n\r\n", await sse.ReadToEndAsync());
        await server.WaitForConnectionCountAsync(0);
    }

    [Fact]
    public async Task PollOrDeleteOnSseConnectionIs400()
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.TestHost);
        using var client = server.CreateClient();
        var (_, token) = await WebSocketTransportTests.NegotiateAsync(client);
        await using var sse = await SseStream.OpenAsync(client, "?id=" + token);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync(TransportTestServer.Path + "?id=" + token)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.DeleteAsync(TransportTestServer.Path + "?id=" + token)).StatusCode);
        Assert.Equal(400, await WebSocketTransportTests.RejectedStatusAsync(server, "?id=" + token));
    }
}
