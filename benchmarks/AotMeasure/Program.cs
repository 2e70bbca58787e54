using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

// AotMeasure: starts each server kind in turn (interleaved rounds), measures, prints one JSON line per (round, kind)
// and a median/range table at the end.
//   dotnet run -c Release --project benchmarks/AotMeasure -- --rounds 5 \
//     lite-aot=artifacts/aot/publish/AotChat lite-jit="dotnet samples/AotChat/bin/Release/net10.0/AotChat.dll" ...
var rounds = 3;
var connections = 1000;
var echoSeconds = 5.0;
var kinds = new List<(string Name, string Command)>();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--rounds": rounds = int.Parse(args[++i]); break;
        case "--connections": connections = int.Parse(args[++i]); break;
        case "--echo-seconds": echoSeconds = double.Parse(args[++i]); break;
        default:
            var eq = args[i].IndexOf('=');
            kinds.Add((args[i][..eq], args[i][(eq + 1)..]));
            break;
    }
}

var results = new List<Result>();
for (var round = 1; round <= rounds; round++)
{
    foreach (var (name, command) in kinds)
    {
        var r = await MeasureAsync(name, command, connections, echoSeconds);
        results.Add(r);
        Console.WriteLine(JsonSerializer.Serialize(r, ResultContext.Default.Result));
    }
}

Console.WriteLine();
Console.WriteLine("| Server | Startup to first connection (ms) | RSS idle (MB) | RSS with " + connections + " connections (MB) | Echo (calls/s, 32 connections) | Binary |");
Console.WriteLine("|---|---|---|---|---|---|");
foreach (var (name, _) in kinds)
{
    var rs = results.Where(r => r.Kind == name).ToList();
    Console.WriteLine($"| {name} | {Stat(rs.Select(r => r.StartupMs))} | {Stat(rs.Select(r => r.RssIdleMb))} | {Stat(rs.Select(r => r.RssConnectedMb))} | {Stat(rs.Select(r => r.EchoPerSecond), "N0")} | {rs[0].BinaryMb:F1} MB |");
}

static string Stat(IEnumerable<double> values, string format = "F1")
{
    var v = values.OrderBy(x => x).ToArray();
    var median = v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    return $"{median.ToString(format)} ({v[0].ToString(format)}-{v[^1].ToString(format)})";
}

static async Task<Result> MeasureAsync(string kind, string command, int connectionCount, double echoSeconds)
{
    var port = FreePort();
    var parts = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    var psi = new ProcessStartInfo(parts[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (var p in parts.Skip(1))
    {
        psi.ArgumentList.Add(p);
    }

    psi.ArgumentList.Add("--urls");
    psi.ArgumentList.Add($"http://127.0.0.1:{port}");
    psi.Environment["Logging__LogLevel__Default"] = "Error";
    psi.Environment["DOTNET_gcServer"] = "0";
    var executable = parts.Length > 1 ? parts[1] : parts[0];
    var binaryMb = parts.Length > 1
        ? Directory.GetFiles(Path.GetDirectoryName(Path.GetFullPath(executable))!, "*.dll").Sum(f => new FileInfo(f).Length) / 1048576.0
        : new FileInfo(executable).Length / 1048576.0;

    var uri = new Uri($"ws://127.0.0.1:{port}/chat");
    var started = Stopwatch.StartNew();
    using var process = Process.Start(psi)!;
    process.OutputDataReceived += (_, _) => { };
    process.ErrorDataReceived += (_, _) => { };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    try
    {
        // Startup: from process start to the handshake answer of the first WebSocket connection (retried every 2 ms).
        Connection first;
        while (true)
        {
            try
            {
                first = await Connection.OpenAsync(uri);
                break;
            }
            catch (Exception) when (started.Elapsed < TimeSpan.FromSeconds(30) && !process.HasExited)
            {
                await Task.Delay(2);
            }
        }

        var startupMs = started.Elapsed.TotalMilliseconds;
        await first.DisposeAsync();
        await Task.Delay(2000);
        var rssIdle = RssMb(process.Id);

        // Echo throughput: 32 connections, one call in flight each, for echoSeconds after a 1 s warm-up.
        var echoers = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Connection.OpenAsync(uri)));
        var echoPerSecond = await EchoAsync(echoers, echoSeconds);
        foreach (var c in echoers)
        {
            await c.DisposeAsync();
        }

        // 1,000 idle connections (handshake done), then RSS after 2 s.
        var idle = new List<Connection>();
        for (var batch = 0; batch < connectionCount; batch += 50)
        {
            idle.AddRange(await Task.WhenAll(Enumerable.Range(0, Math.Min(50, connectionCount - batch)).Select(_ => Connection.OpenAsync(uri))));
        }

        await Task.Delay(2000);
        var rssConnected = RssMb(process.Id);
        foreach (var c in idle)
        {
            c.Abort();
        }

        return new Result(kind, startupMs, rssIdle, rssConnected, echoPerSecond, binaryMb);
    }
    finally
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }
}

static async Task<double> EchoAsync(Connection[] connections, double seconds)
{
    long count = 0;
    var measuring = false;
    using var stop = new CancellationTokenSource();
    var loops = connections.Select(async c =>
    {
        while (!stop.IsCancellationRequested)
        {
            await c.EchoAsync();
            if (Volatile.Read(ref measuring))
            {
                Interlocked.Increment(ref count);
            }
        }
    }).ToArray();
    await Task.Delay(1000);
    Volatile.Write(ref measuring, true);
    var sw = Stopwatch.StartNew();
    await Task.Delay(TimeSpan.FromSeconds(seconds));
    var measured = Interlocked.Read(ref count);
    var elapsed = sw.Elapsed.TotalSeconds;
    stop.Cancel();
    await Task.WhenAll(loops);
    return measured / elapsed;
}

static double RssMb(int pid)
{
    foreach (var line in File.ReadLines($"/proc/{pid}/status"))
    {
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
        {
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
        }
    }

    throw new InvalidOperationException("no VmRSS");
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

/// <summary>A raw JSON-protocol WebSocket connection without negotiation: handshake, then Echo invocations.</summary>
internal sealed class Connection : IAsyncDisposable
{
    private static readonly byte[] Handshake = Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e");
    private static readonly byte[] EchoCall = Encoding.UTF8.GetBytes("{\"type\":1,\"invocationId\":\"1\",\"target\":\"Echo\",\"arguments\":[\"hello, native world\"]}\u001e");
    private readonly ClientWebSocket _socket = new();
    private readonly byte[] _buffer = new byte[4096];

    public static async Task<Connection> OpenAsync(Uri uri)
    {
        var c = new Connection();
        try
        {
            await c._socket.ConnectAsync(uri, CancellationToken.None);
            await c._socket.SendAsync(Handshake, WebSocketMessageType.Text, true, CancellationToken.None);
            var answer = await c.ReceiveMessageAsync();
            if (!answer.StartsWith("{}", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("handshake refused: " + answer);
            }

            return c;
        }
        catch
        {
            c._socket.Dispose();
            throw;
        }
    }

    /// <summary>One Echo call: sends the invocation and reads until its completion (type 3); pings are skipped.</summary>
    public async Task EchoAsync()
    {
        await _socket.SendAsync(EchoCall, WebSocketMessageType.Text, true, CancellationToken.None);
        while (true)
        {
            var message = await ReceiveMessageAsync();
            if (message.Contains("\"type\":3", StringComparison.Ordinal))
            {
                if (!message.Contains("hello, native world", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException("unexpected completion: " + message);
                }

                return;
            }
        }
    }

    private async Task<string> ReceiveMessageAsync()
    {
        var total = 0;
        while (true)
        {
            var r = await _socket.ReceiveAsync(_buffer.AsMemory(total), CancellationToken.None);
            if (r.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException("closed");
            }

            total += r.Count;
            if (r.EndOfMessage)
            {
                return Encoding.UTF8.GetString(_buffer, 0, total);
            }
        }
    }

    public void Abort() => _socket.Abort();

    public ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}

internal sealed record Result(string Kind, double StartupMs, double RssIdleMb, double RssConnectedMb, double EchoPerSecond, double BinaryMb);

[System.Text.Json.Serialization.JsonSerializable(typeof(Result))]
internal sealed partial class ResultContext : System.Text.Json.Serialization.JsonSerializerContext;
