using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Protocol;
using SignalRLite.Tests.Infrastructure;
using SignalRLite.Tests.Protocol;

namespace SignalRLite.Tests.Hubs;

/// <summary>The hub runtime over a framed binary protocol (MessagePack): handshake, leftover bytes, size limit on the framed length.</summary>
public class BinaryProtocolTests
{
    private const string Handshake = "{\"protocol\":\"messagepack\",\"version\":1}\u001e";
    private static readonly MessagePackHubProtocol Protocol = new();

    private static InMemoryHubServer<TestHub> Create(Action<HubOptions>? configure = null) =>
        HubTestServer.Create<TestHub>(configure, builder: b => b.AddMessagePackProtocol());

    private static byte[] Frame(HubMessage message) => Protocol.GetMessageBytes(message).ToArray();

    /// <summary>Reads server bytes until one framed message parses (the handshake response is stripped first when present).</summary>
    private sealed class BinaryReader(TestConnection connection)
    {
        private byte[] _pending = [];

        public async Task<string> ReadHandshakeAsync()
        {
            while (Array.IndexOf(_pending, (byte)0x1e) < 0)
            {
                _pending = [.. _pending, .. await connection.ReadRawAsync()];
            }

            var end = Array.IndexOf(_pending, (byte)0x1e);
            var text = Encoding.UTF8.GetString(_pending, 0, end);
            _pending = _pending[(end + 1)..];
            return text;
        }

        public async Task<HubMessage> ReadAsync(IInvocationBinder binder)
        {
            while (true)
            {
                var sequence = new ReadOnlySequence<byte>(_pending);
                if (Protocol.TryParseMessage(ref sequence, binder, out var message) && message is not PingMessage)
                {
                    _pending = sequence.ToArray();
                    return message!;
                }

                if (message is PingMessage)
                {
                    _pending = sequence.ToArray();
                    continue;
                }

                var more = await connection.ReadRawAsync();
                if (more.Length == 0)
                {
                    throw new InvalidOperationException($"The server completed its output; unparsed: {Convert.ToHexString(_pending)}.");
                }

                _pending = [.. _pending, .. more];
            }
        }
    }

    [Fact]
    public async Task HandshakeAnswerIsJsonAndFramedMessagesAfterItAreProcessed()
    {
        await using var server = Create();
        var connection = new TestConnection();
        await server.ConnectAsync(handshake: false, connection: connection);
        await connection.SendAsync([.. Encoding.UTF8.GetBytes(Handshake), .. Frame(new InvocationMessage("1", "Add", [2, 3]))]);

        var reader = new BinaryReader(connection);
        Assert.Equal("{}", await reader.ReadHandshakeAsync());
        Assert.Equal(TransferFormat.Binary, connection.ActiveFormat);
        var completion = Assert.IsType<CompletionMessage>(await reader.ReadAsync(new TestBinder(returns: new() { ["1"] = typeof(int) })));
        Assert.Equal(5, completion.Result);
    }

    [Fact]
    public async Task FrameWithinTheLimitIsAcceptedAndOneByteOverCloses()
    {
        // Long enough that the handshake request is within the limit too.
        var payload = new string('p', 60);
        var message = Frame(new InvocationMessage("1", "Echo", [payload]));
        await using var server = Create(o =>
        {
            o.MaximumReceiveMessageSize = message.Length;
            o.EnableDetailedErrors = true;
        });
        var connection = new TestConnection();
        await server.ConnectAsync(handshake: false, connection: connection);
        await connection.SendAsync([.. Encoding.UTF8.GetBytes(Handshake), .. message]);
        var reader = new BinaryReader(connection);
        Assert.Equal("{}", await reader.ReadHandshakeAsync());
        var binder = new TestBinder(returns: new() { ["1"] = typeof(string), ["2"] = typeof(string) });
        Assert.Equal(payload, Assert.IsType<CompletionMessage>(await reader.ReadAsync(binder)).Result);

        await connection.SendAsync(Frame(new InvocationMessage("2", "Echo", [payload + "+"])));
        var close = Assert.IsType<CloseMessage>(await reader.ReadAsync(binder));
        Assert.Equal(
            $"Connection closed with an error. InvalidDataException: The maximum message size of {message.Length}B was exceeded. The message size can be configured in AddHubOptions.",
            close.Error);
        Assert.True(close.AllowReconnect);
    }
}
