using System.Net.WebSockets;
using System.Text;
using LoadTest.Client;

namespace LoadTest.Soak;

/// <summary>
/// One soak connection: a lean JSON WebSocket client (a 2 KB buffer that grows only for a larger message) whose
/// receive loop splits frames by record separator and times those that carry a timestamp.
/// </summary>
internal sealed class SoakConnection
{
    private readonly ClientWebSocket _ws;
    private readonly SoakClient _owner;
    private readonly SemaphoreSlim _sendLock = new(1, 1); // the keep-alive loop and a role's loop may send at once
    private byte[] _buffer = new byte[2048];
    private int _end;
    private volatile bool _closing;

    private SoakConnection(ClientWebSocket ws, SoakClient owner)
    {
        _ws = ws;
        _owner = owner;
    }

    public static async Task<SoakConnection> ConnectAsync(Uri uri, HttpMessageInvoker invoker, SoakClient owner, CancellationToken cancellationToken)
    {
        var ws = new ClientWebSocket();
        ws.Options.KeepAliveInterval = TimeSpan.Zero;
        try
        {
            await ws.ConnectAsync(uri, invoker, cancellationToken);
            await ws.SendAsync(Frames.Handshake("json"), WebSocketMessageType.Text, true, cancellationToken);
            var conn = new SoakConnection(ws, owner);
            await conn.ReadHandshakeAsync(cancellationToken);
            _ = conn.ReceiveLoopAsync();
            return conn;
        }
        catch
        {
            ws.Abort();
            ws.Dispose();
            throw;
        }
    }

    private async Task ReadHandshakeAsync(CancellationToken cancellationToken)
    {
        (_end, var next) = await Frames.ReadHandshakeAsync(_ws, _buffer, _end, cancellationToken);
        _buffer.AsSpan(next, _end - next).CopyTo(_buffer);
        _end -= next;
    }

    public bool Closing => _closing;

    public async ValueTask SendAsync(ReadOnlyMemory<byte> frame)
    {
        await _sendLock.WaitAsync();
        try
        {
            await _ws.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>A close by the scenario: close handshake, bounded; then abort.</summary>
    public async Task CloseAsync()
    {
        _closing = true;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
        }
        finally
        {
            _ws.Abort();
            _ws.Dispose();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            Process();
            while (true)
            {
                if (_end == _buffer.Length)
                {
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }

                var result = await _ws.ReceiveAsync(_buffer.AsMemory(_end), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _owner.OnLost(byServer: !_closing);
                    return;
                }

                _end += result.Count;
                Process();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            _owner.OnLost(byServer: !_closing);
        }
    }

    private void Process()
    {
        var start = 0;
        while (start < _end)
        {
            var span = _buffer.AsSpan(start, _end - start);
            var rs = span.IndexOf(Frames.RecordSeparator);
            if (rs < 0)
            {
                break;
            }

            var frame = span[..rs];
            var type = Frames.MessageType(binary: false, frame);
            if (type is 1 or 3)
            {
                var stamp = Frames.ReadStamp(frame);
                if (stamp > 0)
                {
                    _owner.OnTimedFrame(completion: type == 3, stamp);
                }
            }
            else if (type == 7 && !_closing)
            {
                // A Close from the server; the socket's end that follows is the same loss.
                _closing = true;
                _owner.OnLost(byServer: true);
            }

            start += rs + 1;
        }

        if (start > 0)
        {
            _buffer.AsSpan(start, _end - start).CopyTo(_buffer);
            _end -= start;
        }
    }
}
