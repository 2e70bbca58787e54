using System.Net;
using System.Net.Sockets;

namespace SignalRLite.Tests.StatefulReconnect;

/// <summary>
/// A TCP forwarder on 127.0.0.1 between a client and a server. <see cref="DropAll"/> resets every connection it carries
/// (RST, no WebSocket close frame), which is what a network blink looks like to both ends.
/// </summary>
/// <remarks>
/// <see cref="DropAllBetweenMessages"/> resets a WebSocket connection only when both directions are between two WebSocket
/// messages. The official .NET client (10.0.15) keeps the first part of a server message cut by a reset and appends the
/// new socket's bytes to it, which breaks its parser, and it may resend a message of its own whose head a reset cut off;
/// it does both against the official server too (see docs/transports.md), so tests of exactly-once delivery cut where
/// those client bugs cannot strike. Bytes a direction receives after it reached its boundary are held back and lost in
/// the reset, as on a real network (the peers replay what was not acknowledged).
/// </remarks>
internal sealed class LoopbackTcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly List<Socket> _sockets = [];
    private readonly List<Link> _links = [];
    private readonly List<Link> _history = []; // every link, closed ones too (under _links' lock)
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
            Reset(socket);
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
            _history.Add(link);
        }

        try
        {
            await server.ConnectAsync(_target);
            await Task.WhenAny(link.PumpAsync(upstream: true), link.PumpAsync(upstream: false));
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

    /// <summary>Closes with RST (linger 0), as a network failure does.</summary>
    private static void Reset(Socket socket)
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

    /// <summary>For a failing test's message: per link (closed ones too), the bytes forwarded and the messages they carried.</summary>
    public string Describe()
    {
        lock (_links)
        {
            return string.Join(" || ", _history.Select((l, i) => $"link {i + 1}{(_links.Contains(l) ? " (open)" : "")}: {l.Describe()}"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        DropAll();
        await _acceptLoop;
    }

    /// <summary>One proxied TCP connection; follows WebSocket framing in both directions after a 101.</summary>
    private sealed class Link(Socket client, Socket server)
    {
        private readonly Lock _lock = new();
        private readonly FrameScanner _up = new();
        private readonly FrameScanner _down = new();
        private bool _webSocket;
        private bool _cutRequested;
        private bool _reset;
        private long _upBytes;
        private long _downBytes;
        private int _downNumber; // forwarded reads that carried the "Number" target (the group message of the tests)
        private readonly List<byte> _upAll = []; // every byte forwarded, for the transcript of a failing test
        private readonly List<byte> _downAll = [];

        public string Describe()
        {
            lock (_lock)
            {
                // Client frames are masked, so only the server's bytes can be searched for text.
                return $"up {_upBytes} B, down {_downBytes} B (Number seen {_downNumber}x), ws={_webSocket}, cut={_cutRequested}; " +
                       $"client->server: {WireTranscript.Describe([.. _upAll])}; server->client: {WireTranscript.Describe([.. _downAll])}";
            }
        }

        // Under _lock: remembers what was forwarded.
        private void Record(bool upstream, ReadOnlySpan<byte> forwarded)
        {
            (upstream ? _upAll : _downAll).AddRange(forwarded);
            if (upstream)
            {
                _upBytes += forwarded.Length;
                return;
            }

            _downBytes += forwarded.Length;
            _downNumber += forwarded.IndexOf("Number"u8) >= 0 ? 1 : 0;
        }

        public TaskCompletionSource Cut { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void RequestCut()
        {
            bool reset;
            lock (_lock)
            {
                _cutRequested = true;
                foreach (var direction in new[] { _up, _down })
                {
                    if (!direction.Sending && (!_webSocket || direction.AtMessageBoundary))
                    {
                        direction.Held = true;
                    }
                }

                reset = TryTakeReset();
            }

            if (reset)
            {
                Reset();
            }
        }

        // Under _lock: both directions stopped at a boundary (or the link is not a WebSocket).
        private bool TryTakeReset()
        {
            if (_reset || !_cutRequested || !((_up.Held && _down.Held) || !_webSocket))
            {
                return false;
            }

            _reset = true;
            return true;
        }

        private void Reset()
        {
            LoopbackTcpProxy.Reset(client);
            LoopbackTcpProxy.Reset(server);
            Cut.TrySetResult();
        }

        public async Task PumpAsync(bool upstream)
        {
            var (from, to, scanner) = upstream ? (client, server, _up) : (server, client, _down);
            var buffer = new byte[16384];
            var first = true;
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

                    int forward;
                    lock (_lock)
                    {
                        if (!upstream && first)
                        {
                            _webSocket = read >= 12 && System.Text.Encoding.ASCII.GetString(buffer, 0, 12) == "HTTP/1.1 101";
                        }

                        first = false;
                        // Once held, nothing more goes through: the reset is coming.
                        forward = scanner.Held ? 0 : scanner.Scan(buffer.AsSpan(0, read), frames: _webSocket, stopAtBoundary: _cutRequested && _webSocket);
                        scanner.Sending = true;
                        Record(upstream, buffer.AsSpan(0, forward));
                    }

                    if (forward > 0)
                    {
                        await to.SendAsync(buffer.AsMemory(0, forward), SocketFlags.None);
                    }

                    bool reset;
                    lock (_lock)
                    {
                        scanner.Sending = false;
                        if (_cutRequested && (!_webSocket || scanner.AtMessageBoundary))
                        {
                            scanner.Held = true;
                        }

                        reset = TryTakeReset();
                    }

                    if (reset)
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
    }

    /// <summary>WebSocket framing of one direction (after the HTTP headers), masked or not.</summary>
    private sealed class FrameScanner
    {
        private bool _headersDone;
        private int _headerMatch; // progress through "\r\n\r\n"
        private readonly List<byte> _frameHeader = [];
        private long _payloadLeft;
        private bool _fin = true;

        public bool Sending { get; set; }

        public bool Held { get; set; }

        public bool AtMessageBoundary => _headersDone && _frameHeader.Count == 0 && _payloadLeft == 0 && _fin;

        /// <summary>
        /// Advances over <paramref name="data"/> (HTTP headers first; WebSocket frames after them when
        /// <paramref name="frames"/>); with <paramref name="stopAtBoundary"/>, returns how much to forward up to the first
        /// message boundary.
        /// </summary>
        public int Scan(ReadOnlySpan<byte> data, bool frames, bool stopAtBoundary)
        {
            for (var i = 0; i < data.Length;)
            {
                if (!_headersDone)
                {
                    var b = data[i++];
                    _headerMatch = b == (_headerMatch % 2 == 0 ? (byte)'\r' : (byte)'\n') ? _headerMatch + 1 : (b == '\r' ? 1 : 0);
                    _headersDone = _headerMatch == 4;
                    continue;
                }

                if (!frames)
                {
                    return data.Length;
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

                if (stopAtBoundary && AtMessageBoundary)
                {
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
