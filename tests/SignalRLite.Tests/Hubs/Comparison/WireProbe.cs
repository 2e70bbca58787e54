using System.Net.WebSockets;
using System.Text;

namespace SignalRLite.Tests.Hubs.Comparison;

/// <summary>
/// A hub client over a raw WebSocket that records what the server sends, message by message, so that the transcripts
/// of the official server and SignalRLite can be compared exactly. JSON messages are kept as text (without the record
/// separator), MessagePack messages as hex of their length prefix and body; the handshake response is always the first
/// entry (text). Pings are left out: their timing is not what the comparisons are about.
/// </summary>
internal sealed class WireProbe : IAsyncDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(15);
    private readonly ClientWebSocket _socket = new();
    private readonly bool _binary;
    private readonly List<byte> _pending = [];
    private bool _handshakeDone;
    private bool _timedOut;

    private WireProbe(bool binary) => _binary = binary;

    /// <summary>Every message received so far.</summary>
    public List<string> Messages { get; } = [];

    /// <summary>The close status of the server's WebSocket close frame, once it came.</summary>
    public WebSocketCloseStatus? CloseStatus { get; private set; }

    public bool Closed { get; private set; }

    /// <summary>What was received, one entry per message, and the WebSocket close when it came.</summary>
    public string Transcript => string.Join(" | ", Messages) + (Closed ? $" [close {CloseStatus}]" : "");

    public static async Task<WireProbe> ConnectAsync(Uri uri, string handshake, bool binary)
    {
        var probe = new WireProbe(binary);
        await probe._socket.ConnectAsync(uri, CancellationToken.None);
        await probe.SendAsync(Encoding.UTF8.GetBytes(handshake));
        return probe;
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        if (!_timedOut)
        {
            await _socket.SendAsync(bytes, _binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, true, CancellationToken.None);
        }
    }

    /// <summary>Reads until <paramref name="message"/> has been received (or the server closed); returns the transcript.</summary>
    public async Task<string> ReadUntilAsync(string message)
    {
        await ReadWhileAsync(() => !Messages.Contains(message));
        return Transcript;
    }

    /// <summary>Reads until the server closes the WebSocket; returns the transcript.</summary>
    public async Task<string> ReadToEndAsync()
    {
        await ReadWhileAsync(static () => true);
        return Transcript;
    }

    private async Task ReadWhileAsync(Func<bool> more)
    {
        using var guard = new CancellationTokenSource(Guard);
        var buffer = new byte[16 * 1024];
        while (!Closed && !_timedOut && more())
        {
            WebSocketReceiveResult result;
            try
            {
                result = await _socket.ReceiveAsync(buffer, guard.Token);
            }
            catch (OperationCanceledException)
            {
                // Not a synchronisation: a guard, so that a missing message fails the comparison with what did arrive.
                Messages.Add("[nothing more within " + Guard.TotalSeconds + " s]");
                _timedOut = true;
                return;
            }

            if (result.MessageType == WebSocketMessageType.Close)
            {
                Closed = true;
                CloseStatus = result.CloseStatus;
                break;
            }

            _pending.AddRange(buffer.AsSpan(0, result.Count));
            Parse();
        }
    }

    private void Parse()
    {
        while (true)
        {
            if (!_handshakeDone || !_binary)
            {
                var end = _pending.IndexOf(0x1E);
                if (end < 0)
                {
                    return;
                }

                var text = Encoding.UTF8.GetString([.. _pending.GetRange(0, end)]);
                _pending.RemoveRange(0, end + 1);
                _handshakeDone = true;
                if (text != "{\"type\":6}")
                {
                    Messages.Add(text);
                }

                continue;
            }

            // MessagePack: a VarInt length prefix, then the body.
            int length = 0, shift = 0, prefix = 0;
            while (true)
            {
                if (prefix >= _pending.Count)
                {
                    return;
                }

                var b = _pending[prefix++];
                length |= (b & 0x7F) << shift;
                shift += 7;
                if ((b & 0x80) == 0)
                {
                    break;
                }
            }

            if (_pending.Count < prefix + length)
            {
                return;
            }

            var hex = Convert.ToHexString([.. _pending.GetRange(0, prefix + length)]);
            _pending.RemoveRange(0, prefix + length);
            if (hex != "029106")
            {
                Messages.Add(hex);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return default;
    }
}
