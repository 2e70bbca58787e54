using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using ClientTransport = Microsoft.AspNetCore.Http.Connections.HttpTransportType;

namespace SignalRLite.Tests.Transports;

/// <summary>
/// The official .NET client (10.0.15) over each transport against the transport layer alone, with a minimal
/// hand-written hub handshake in the connection delegate: negotiate, transport start, both directions, stop.
/// </summary>
[Trait("Category", "Integration")]
public class OfficialClientTransportTests
{
    internal sealed class MiniHub
    {
        private readonly StringBuilder _received = new();

        public TaskCompletionSource<string> Invoked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<string> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task RunAsync(ConnectionContext connection)
        {
            var input = connection.Transport.Input;
            var handshakeDone = false;
            try
            {
                while (true)
                {
                    var result = await input.ReadAsync();
                    var buffer = result.Buffer;
                    _received.Append(Encoding.UTF8.GetString(buffer.ToArray()));
                    input.AdvanceTo(buffer.End);
                    var text = _received.ToString();
                    if (!handshakeDone && text.Contains('\u001e'))
                    {
                        handshakeDone = true;
                        await connection.Transport.Output.WriteAsync(Encoding.UTF8.GetBytes("{}\u001e{\"type\":1,\"target\":\"hello\",\"arguments\":[\"world\"]}\u001e"));
                    }

                    if (text.Contains("\"target\":\"Echo\"", StringComparison.Ordinal))
                    {
                        Invoked.TrySetResult(text);
                    }

                    if (result.IsCompleted || text.Contains("{\"type\":7", StringComparison.Ordinal))
                    {
                        break;
                    }
                }
            }
            finally
            {
                Ended.TrySetResult(_received.ToString());
            }
        }
    }

    [Theory]
    [InlineData(ClientTransport.WebSockets, false)]
    [InlineData(ClientTransport.WebSockets, true)]
    [InlineData(ClientTransport.ServerSentEvents, false)]
    [InlineData(ClientTransport.LongPolling, false)]
    public async Task OfficialClientConnectsExchangesAndStops(ClientTransport transport, bool skipNegotiation)
    {
        var hub = new MiniHub();
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, o => o.LongPolling.PollTimeout = TimeSpan.FromSeconds(5), hub.RunAsync);
        var connection = new HubConnectionBuilder()
            .WithUrl(server.EndpointUri(), transport, o => o.SkipNegotiation = skipNegotiation)
            .Build();
        var hello = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<string>("hello", s => hello.TrySetResult(s));

        await connection.StartAsync().WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal("world", await hello.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        await connection.SendAsync("Echo", "abc");
        Assert.Contains("\"arguments\":[\"abc\"]", await hub.Invoked.Task.WaitAsync(TimeSpan.FromSeconds(10)));

        await connection.StopAsync().WaitAsync(TimeSpan.FromSeconds(15));
        await hub.Ended.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await server.WaitForConnectionCountAsync(0);
        await connection.DisposeAsync();
    }

    private static async Task<string> ReadRecordAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        while (true)
        {
            var result = await input.ReadAsync();
            if (result.Buffer.PositionOf((byte)0x1e) is { } end)
            {
                var record = Encoding.UTF8.GetString(result.Buffer.Slice(0, end).ToArray());
                input.AdvanceTo(result.Buffer.GetPosition(1, end));
                return record;
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted)
            {
                throw new InvalidOperationException("Input ended before a record separator.");
            }
        }
    }

    [Theory]
    [InlineData(ClientTransport.WebSockets)]
    [InlineData(ClientTransport.ServerSentEvents)]
    [InlineData(ClientTransport.LongPolling)]
    public async Task OfficialClientSeesServerClose(ClientTransport transport)
    {
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, o => o.LongPolling.PollTimeout = TimeSpan.FromSeconds(5), async c =>
        {
            // Handshake, then records (pings may come first) until the client's invocation of "Anything".
            await ReadRecordAsync(c);
            await c.Transport.Output.WriteAsync(Encoding.UTF8.GetBytes("{}\u001e"));
            while (!(await ReadRecordAsync(c)).Contains("\"target\":\"Anything\"", StringComparison.Ordinal))
            {
            }

            await c.Transport.Output.WriteAsync(Encoding.UTF8.GetBytes("{\"type\":7,\"error\":\"bye\"}\u001e"));
        });
        var connection = new HubConnectionBuilder().WithUrl(server.EndpointUri(), transport).Build();
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Closed += ex =>
        {
            closed.TrySetResult(ex);
            return Task.CompletedTask;
        };
        await connection.StartAsync().WaitAsync(TimeSpan.FromSeconds(15));
        await connection.SendAsync("Anything");
        var error = await closed.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Contains("bye", error?.Message);
        await server.WaitForConnectionCountAsync(0);
        await connection.DisposeAsync();
    }
}
