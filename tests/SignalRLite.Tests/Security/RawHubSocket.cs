using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace SignalRLite.Tests.Security;

/// <summary>A hub client over a raw WebSocket (JSON protocol, skip negotiation) that sends whatever a test wants.</summary>
internal sealed class RawHubSocket : IDisposable
{
    private const char RecordSeparator = '\u001e';
    private readonly WebSocket _socket;
    private readonly StringBuilder _pending = new();
    private readonly Queue<string> _messages = new();

    public RawHubSocket(WebSocket socket)
    {
        _socket = socket;
    }

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public static async Task<RawHubSocket> ConnectAsync(Infrastructure.HubAppHost host, string path = "/hub", bool handshake = true)
    {
        var raw = new RawHubSocket(await host.ConnectRawWebSocketAsync(path));
        if (handshake)
        {
            await raw.SendTextAsync("{\"protocol\":\"json\",\"version\":1}\u001e");
            Assert.Equal("{}", await raw.ReceiveAsync());
        }

        return raw;
    }

    public Task SendTextAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text);

    public async Task SendAsync(byte[] bytes, WebSocketMessageType type = WebSocketMessageType.Binary, CancellationToken cancellationToken = default) =>
        await _socket.SendAsync(bytes, type, true, cancellationToken);

    public Task InvokeAsync(string id, string target, string argumentsJson) =>
        SendTextAsync($"{{\"type\":1,\"invocationId\":\"{id}\",\"target\":\"{target}\",\"arguments\":{argumentsJson}}}\u001e");

    /// <summary>The next hub message (without its separator), skipping pings; null when the server closed the socket.</summary>
    public async Task<string?> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[16 * 1024];
        while (true)
        {
            while (_messages.TryDequeue(out var message))
            {
                if (message != "{\"type\":6}")
                {
                    return message;
                }
            }

            var result = await _socket.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            _pending.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
            var text = _pending.ToString();
            var last = text.LastIndexOf(RecordSeparator);
            if (last >= 0)
            {
                foreach (var part in text[..last].Split(RecordSeparator))
                {
                    _messages.Enqueue(part);
                }

                _pending.Clear().Append(text[(last + 1)..]);
            }
        }
    }

    /// <summary>Reads until the server's Close message and the end of the socket; returns the Close message.</summary>
    public async Task<JsonElement> ReceiveCloseAsync()
    {
        while (true)
        {
            var message = await ReceiveAsync() ?? throw new InvalidOperationException("The socket closed without a Close message.");
            var element = JsonDocument.Parse(message).RootElement;
            if (element.GetProperty("type").GetInt32() == 7)
            {
                Assert.Null(await ReceiveAsync());
                return element;
            }
        }
    }

    public async Task<JsonElement> ReceiveCompletionAsync(string id)
    {
        while (true)
        {
            var message = await ReceiveAsync() ?? throw new InvalidOperationException("The socket closed.");
            var element = JsonDocument.Parse(message).RootElement;
            if (element.GetProperty("type").GetInt32() == 3 && element.GetProperty("invocationId").GetString() == id)
            {
                return element;
            }
        }
    }

    public Task CloseOutputAsync() => _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);

    public void Dispose() => _socket.Dispose();
}
