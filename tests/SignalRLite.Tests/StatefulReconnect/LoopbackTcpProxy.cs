using System.Net;
using System.Net.Sockets;

namespace SignalRLite.Tests.StatefulReconnect;

/// <summary>
/// A TCP forwarder on 127.0.0.1 between a client and a server. <see cref="DropAll"/> resets every connection it carries
/// (RST, no WebSocket close frame), which is what a network blink looks like to both ends.
/// </summary>
/// <remarks>
/// <see cref="DropAllBetweenMessages"/> resets a WebSocket connection only when the server-to-client direction is between
/// two WebSocket messages. The official .NET client (10.0.15) keeps the first part of a message cut by a reset and
/// appends the new socket's bytes to it, which breaks its parser; it does so against the official server too
/// (<see cref="OfficialServerStatefulReconnectComparisonTests"/>), so tests of exactly-once delivery cut where that client
/// bug cannot strike. The client-to-server direction is cut anywhere.
/// </remarks>
internal sealed class LoopbackTcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly List<Socket> _sockets = [];
    private readonly List<Link> _links = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private int _connections;

    public LoopbackTcpProxy(Uri target)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _listener.Start();
        _acceptLoop = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    /// <summary>TCP connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public int DropAll()
    {
        Socket[] sockets;
        lock (_sockets)
        {
            sockets = [.. _sockets];
            _sockets.Clear();
        }

        foreach (var socket in sockets)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
            catch (Exception)
            {
            }
        }

        return sockets.Length;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            _ = ForwardAsync(client);
        }
    }

    /// <summary>Resets every WebSocket connection as soon as its server-to-client stream is between messages; other connections at once.</summary>
    public async Task<int> DropAllBetweenMessages()
    {
        Link[] links;
        lock (_links)
        {
            links = [.. _links];
        }

        foreach (var link in links)
        {
            link.RequestCut();
        }

        await Task.WhenAll(links.Select(l => l.Cut.Task.WaitAsync(TimeSpan.FromSeconds(30))));
        return links.Length;
    }

    private async Task ForwardAsync(Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        lock (_sockets)
        {
            _sockets.Add(client);
            _sockets.Add(server);
        }

        var link = new Link(client, server);
        lock (_links)
        {
            _links.Add(link);
        }

        try
        {
            await server.ConnectAsync(_target);
            await Task.WhenAny(PumpAsync(client, server), link.PumpDownAsync());
        }
        catch (Exception)
        {
        }
        finally
        {
            lock (_sockets)
            {
                _sockets.Remove(client);
                _sockets.Remove(server);
            }

            lock (_links)
            {
                _links.Remove(link);
            }

            link.Cut.TrySetResult();

            client.Dispose();
            server.Dispose();
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16384];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
        }
        catch (Exception)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        DropAll();
        await _acceptLoop;
    }

    /// <summary>One proxied TCP connection; follows WebSocket framing in the server-to-client direction after a 101.</summary>
    private sealed class Link(Socket client, Socket server)
    {
        private readonly Lock _lock = new();
        private bool _webSocket;
        private bool _headersDone;
        private int _headerMatch; // progress through "\r\n\r\n"
        private readonly List<byte> _frameHeader = [];
        private long _payloadLeft;
        private bool _fin = true;
        private bool _sending;
        private bool _cutRequested;

        public TaskCompletionSource Cut { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private bool AtMessageBoundary => !_webSocket || (_frameHeader.Count == 0 && _payloadLeft == 0 && _fin);

        public void RequestCut()
        {
            lock (_lock)
            {
                _cutRequested = true;
                if (_sending || !AtMessageBoundary)
                {
                    return;
                }
            }

            Reset();
        }

        private void Reset()
        {
            foreach (var socket in new[] { client, server })
            {
                try
                {
                    socket.LingerState = new LingerOption(true, 0);
                    socket.Close();
                }
                catch (Exception)
                {
                }
            }

            Cut.TrySetResult();
        }

        public async Task PumpDownAsync()
        {
            var buffer = new byte[16384];
            var first = true;
            try
            {
                while (true)
                {
                    var read = await server.ReceiveAsync(buffer, SocketFlags.None);
                    if (read == 0)
                    {
                        client.Shutdown(SocketShutdown.Send);
                        return;
                    }

                    int forward;
                    bool cutAfter;
                    lock (_lock)
                    {
                        if (first)
                        {
                            _webSocket = read >= 12 && System.Text.Encoding.ASCII.GetString(buffer, 0, 12) == "HTTP/1.1 101";
                            first = false;
                        }

                        forward = Scan(buffer.AsSpan(0, read), out cutAfter);
                        _sending = true;
                    }

                    await client.SendAsync(buffer.AsMemory(0, forward), SocketFlags.None);
                    lock (_lock)
                    {
                        _sending = false;
                        cutAfter |= _cutRequested && AtMessageBoundary;
                    }

                    if (cutAfter)
                    {
                        Reset();
                        return;
                    }
                }
            }
            catch (Exception)
            {
            }
        }

        /// <summary>Advances the frame parser over <paramref name="data"/>; stops at the first message boundary once a cut is requested.</summary>
        private int Scan(ReadOnlySpan<byte> data, out bool cut)
        {
            cut = false;
            if (!_webSocket)
            {
                return data.Length;
            }

            for (var i = 0; i < data.Length;)
            {
                if (!_headersDone)
                {
                    var b = data[i++];
                    _headerMatch = b == (_headerMatch % 2 == 0 ? (byte)'\r' : (byte)'\n') ? _headerMatch + 1 : (b == '\r' ? 1 : 0);
                    _headersDone = _headerMatch == 4;
                    continue;
                }

                if (_payloadLeft > 0)
                {
                    var n = (int)Math.Min(_payloadLeft, data.Length - i);
                    _payloadLeft -= n;
                    i += n;
                }
                else
                {
                    _frameHeader.Add(data[i++]);
                    if (!TryCompleteFrameHeader())
                    {
                        continue;
                    }
                }

                if (_cutRequested && AtMessageBoundary)
                {
                    cut = true;
                    return i;
                }
            }

            return data.Length;
        }

        private bool TryCompleteFrameHeader()
        {
            if (_frameHeader.Count < 2)
            {
                return false;
            }

            var len7 = _frameHeader[1] & 0x7F;
            var masked = (_frameHeader[1] & 0x80) != 0;
            var extra = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
            var total = 2 + extra + (masked ? 4 : 0);
            if (_frameHeader.Count < total)
            {
                return false;
            }

            long length = len7;
            if (extra > 0)
            {
                length = 0;
                for (var k = 0; k < extra; k++)
                {
                    length = (length << 8) | _frameHeader[2 + k];
                }
            }

            var opcode = _frameHeader[0] & 0x0F;
            if (opcode < 8)
            {
                // Control frames may come between the fragments of a message and do not end it.
                _fin = (_frameHeader[0] & 0x80) != 0;
            }

            _payloadLeft = length;
            _frameHeader.Clear();
            return true;
        }
    }
}
