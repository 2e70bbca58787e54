using System.Net;
using System.Net.Sockets;

namespace SignalRLite.Tests.Operations;

/// <summary>
/// A round-robin TCP load balancer on 127.0.0.1 for the drain tests: each accepted connection goes to the next backend
/// of the list, skipping backends that refuse the TCP connection (a stopped server), as a layer-4 balancer with
/// connect-failure retry does. It knows nothing of HTTP: a draining server that still accepts TCP answers its 503s
/// through it, and the clients retry. Clients use WebSockets without negotiation (one TCP connection per SignalR
/// connection), so nothing needs sticky sessions; <see cref="SetBackends"/> narrows the list as a readiness probe would.
/// </summary>
/// <remarks>One lock, <see cref="_lock"/>, guards <see cref="_backends"/> and <see cref="_sockets"/>; no I/O under it.</remarks>
internal sealed class RoundRobinTcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Lock _lock = new();
    private readonly HashSet<Socket> _sockets = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private IPEndPoint[] _backends;
    private long _next = -1;

    public RoundRobinTcpProxy(IEnumerable<Uri> backends)
    {
        _backends = [.. backends.Select(ToEndPoint)];
        _listener.Start(backlog: 4096);
        _acceptLoop = AcceptAsync();
    }

    public Uri BaseAddress => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>Where new connections go from now on; open connections stay where they are.</summary>
    public void SetBackends(IEnumerable<Uri> backends)
    {
        IPEndPoint[] list = [.. backends.Select(ToEndPoint)];
        lock (_lock)
        {
            _backends = list;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        Socket[] open;
        lock (_lock)
        {
            open = [.. _sockets];
            _sockets.Clear();
        }

        foreach (var socket in open)
        {
            socket.Dispose();
        }

        await _acceptLoop;
    }

    private static IPEndPoint ToEndPoint(Uri uri) => new(IPAddress.Parse(uri.Host), uri.Port);

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(Socket client)
    {
        client.NoDelay = true;
        IPEndPoint[] backends;
        lock (_lock)
        {
            backends = _backends;
        }

        var first = Interlocked.Increment(ref _next);
        Socket? server = null;
        for (var i = 0; i < backends.Length && server is null; i++)
        {
            var candidate = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await candidate.ConnectAsync(backends[(int)((first + i) % backends.Length)]);
                server = candidate;
            }
            catch (SocketException)
            {
                candidate.Dispose(); // refused: try the next backend
            }
        }

        if (server is null)
        {
            client.Dispose();
            return;
        }

        lock (_lock)
        {
            _sockets.Add(client);
            _sockets.Add(server);
        }

        try
        {
            await Task.WhenAll(PumpAsync(client, server), PumpAsync(server, client));
        }
        finally
        {
            lock (_lock)
            {
                _sockets.Remove(client);
                _sockets.Remove(server);
            }

            client.Dispose();
            server.Dispose();
        }
    }

    // One direction; an orderly end is passed on as a half-close, a failure ends both directions.
    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[8192];
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
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            from.Dispose();
            to.Dispose();
        }
    }
}
