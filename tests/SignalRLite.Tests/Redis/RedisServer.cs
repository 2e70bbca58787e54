using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SignalRLite.Tests.Redis;

/// <summary>
/// A redis-server process on a free loopback port, with no persistence. It can be killed and started again on the same
/// port (fault tests). Readiness is awaited on the server's own "Ready to accept connections" log line.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private static readonly Lazy<Task<string>> Shared = new(StartSharedAsync);
    private readonly string _directory;
    private Process? _process;

    private readonly bool _persistent;

    private RedisServer(int port, bool persistent = false)
    {
        Port = port;
        _persistent = persistent;
        _directory = Directory.CreateTempSubdirectory("signalrlite-redis-").FullName;
    }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>The running redis-server's process id (chaos tests stop and continue it with signals).</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("redis-server is not running.");

    /// <summary>
    /// The Redis the backplane tests share: <c>SIGNALRLITE_REDIS</c> when set (test.sh starts one), else a redis-server
    /// this test process starts once and kills when it exits. Tests isolate themselves with a channel prefix.
    /// </summary>
    public static Task<string> GetSharedEndpointAsync() => Shared.Value;

    /// <summary>
    /// Starts a redis-server; with <paramref name="persistent"/>, one that writes every change to its append-only file
    /// before answering (appendfsync always), so that it comes back with its data after a kill and a restart.
    /// </summary>
    public static async Task<RedisServer> StartAsync(bool persistent = false)
    {
        var server = new RedisServer(FreePort(), persistent);
        await server.StartProcessAsync();
        return server;
    }

    /// <summary>Kills the process (SIGKILL: no goodbye to the clients) and waits for it to exit.</summary>
    public async Task KillAsync()
    {
        var process = _process!;
        _process = null;
        process.Kill();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        process.Dispose();
    }

    /// <summary>Starts redis-server again on the same port.</summary>
    public Task RestartAsync() => StartProcessAsync();

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await KillAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<string> StartSharedAsync()
    {
        var configured = Environment.GetEnvironmentVariable("SIGNALRLITE_REDIS");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        var server = await StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server.Endpoint;
    }

    private async Task StartProcessAsync()
    {
        var info = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory,
        };
        foreach (var arg in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", _persistent ? "yes" : "no", "--appendfsync", "always", "--dir", _directory })
        {
            info.ArgumentList.Add(arg);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Ready to accept connections", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"redis-server on port {Port} exited during start-up."));
        if (!process.Start())
        {
            throw new InvalidOperationException("redis-server did not start (apt-get install -y redis-server).");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
