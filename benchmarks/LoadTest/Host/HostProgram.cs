using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Hosting;

namespace LoadTest.Host;

/// <summary>
/// The server process. Every kind runs in the same Kestrel setup (slim builder, HTTP/1.1 on port P of every
/// loopback address, logging at Error, same GC settings from the runtimeconfig) and exposes GET /stats.
/// </summary>
internal static class HostProgram
{
    public static async Task<int> RunAsync(string kind, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole();
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Any, port);
            k.AddServerHeader = false;
        });

        switch (kind)
        {
            case "official":
                OfficialHost.ConfigureServices(builder.Services);
                break;
            case "lite":
#if HAS_LITE
                LiteHost.ConfigureServices(builder.Services);
                break;
#else
                Console.Error.WriteLine("SignalRLite's hub runtime is not in this build.");
                return 2;
#endif
            case "raw":
                break;
            default:
                Console.Error.WriteLine($"Unknown host kind '{kind}'.");
                return 2;
        }

        AllocationSampler.StartIfEnabled();
        var app = builder.Build();
        app.UseWebSockets();
        app.MapGet("/allocations", (HttpContext context) => Results.Text(AllocationSampler.Instance?.Report(context.Request.Query.ContainsKey("reset")) ?? "set LOADTEST_ALLOCATIONS=1"));
        app.MapGet("/stats", (HttpContext context) => Results.Text(Json.Serialize(Stats(context.Request.Query.ContainsKey("gc"))), "application/json"));

        switch (kind)
        {
            case "official":
                OfficialHost.Map(app);
                break;
#if HAS_LITE
            case "lite":
                LiteHost.Map(app);
                break;
#endif
            case "raw":
                RawHost.Map(app);
                break;
        }

        await app.StartAsync();
        Console.WriteLine($"READY {kind} {port} pid {Environment.ProcessId}");
        await app.WaitForShutdownAsync();
        return 0;
    }

    private static ServerStats Stats(bool forceGc)
    {
        long heap;
        if (forceGc)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            heap = GC.GetTotalMemory(forceFullCollection: true);
        }
        else
        {
            heap = GC.GetTotalMemory(forceFullCollection: false);
        }

        // Before the allocation count: reading /proc allocates, and that is not the server's.
        var contextSwitches = ReadContextSwitches();
        return new ServerStats
        {
            Heap = heap,
            WorkingSet = Environment.WorkingSet,
            Allocated = GC.GetTotalAllocatedBytes(precise: true),
            CpuSeconds = Environment.CpuUsage.TotalTime.TotalSeconds,
            WorkItems = ThreadPool.CompletedWorkItemCount,
            ContextSwitches = contextSwitches,
            Gen0 = GC.CollectionCount(0),
            Gen1 = GC.CollectionCount(1),
            Gen2 = GC.CollectionCount(2),
            PendingWorkItems = ThreadPool.PendingWorkItemCount,
            ThreadPoolThreads = ThreadPool.ThreadCount,
            JitMethods = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false),
        };
    }

    /// <summary>Voluntary + involuntary context switches of the live threads of the process (Linux /proc; 0 elsewhere).</summary>
    private static long ReadContextSwitches()
    {
        long total = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                try
                {
                    foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                    {
                        if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                        {
                            total += long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim(), System.Globalization.CultureInfo.InvariantCulture);
                        }
                    }
                }
                catch (IOException)
                {
                    // The thread exited meanwhile.
                }
            }
        }
        catch (IOException)
        {
        }

        return total;
    }
}

/// <summary>
/// The ceiling: Kestrel WebSockets with no hub layer. /raw echoes every WebSocket message back (the handshake too,
/// which the client accepts as a response since it ends with the record separator). /raw-all forwards every
/// message to every connected socket (one copy of the bytes, one writer loop per socket).
/// </summary>
internal static class RawHost
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<long, RawSocket> All = new();
    private static long _nextId;

    public static void Map(WebApplication app)
    {
        app.Map("/raw", async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = 400;
                return;
            }

            using var ws = await context.WebSockets.AcceptWebSocketAsync();
            try
            {
                while (true)
                {
                    // A zero-byte read first, as the hub servers do: an idle socket holds no receive buffer (the
                    // idle-memory floor), and a message is read into a pooled buffer.
                    var ready = await ws.ReceiveAsync(Memory<byte>.Empty, context.RequestAborted);
                    if (ready.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }

                    var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(8192);
                    try
                    {
                        var result = await ws.ReceiveAsync(buffer.AsMemory(), context.RequestAborted);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            break;
                        }

                        await ws.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, context.RequestAborted);
                    }
                    finally
                    {
                        System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                    }
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
            {
            }
        });

        app.Map("/raw-all", async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = 400;
                return;
            }

            using var ws = await context.WebSockets.AcceptWebSocketAsync();
            var socket = new RawSocket(ws);
            var id = Interlocked.Increment(ref _nextId);
            All[id] = socket;
            var writer = socket.RunWriterAsync();
            var buffer = new byte[8192];
            var message = new System.Buffers.ArrayBufferWriter<byte>();
            var handshakeDone = false;
            try
            {
                while (true)
                {
                    var result = await ws.ReceiveAsync(buffer.AsMemory(), context.RequestAborted);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }

                    message.Write(buffer.AsSpan(0, result.Count));
                    if (!result.EndOfMessage)
                    {
                        continue;
                    }

                    var bytes = message.WrittenSpan.ToArray();
                    message.ResetWrittenCount();
                    if (!handshakeDone)
                    {
                        // Answer the handshake to this socket only.
                        handshakeDone = true;
                        socket.Enqueue(bytes, result.MessageType);
                        continue;
                    }

                    foreach (var other in All.Values)
                    {
                        other.Enqueue(bytes, result.MessageType);
                    }
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
            {
            }
            finally
            {
                All.TryRemove(id, out _);
                socket.Complete();
                await writer;
            }
        });
    }

    private sealed class RawSocket(WebSocket ws)
    {
        private readonly System.Threading.Channels.Channel<(byte[] Bytes, WebSocketMessageType Type)> _queue =
            System.Threading.Channels.Channel.CreateUnbounded<(byte[], WebSocketMessageType)>(new() { SingleReader = true });

        public void Enqueue(byte[] bytes, WebSocketMessageType type) => _queue.Writer.TryWrite((bytes, type));

        public void Complete() => _queue.Writer.TryComplete();

        public async Task RunWriterAsync()
        {
            // Like a hub transport: everything queued so far goes out as one WebSocket message (hub frames are
            // self-delimiting, so several may share a message).
            var batch = new ArrayBufferWriter<byte>(16 * 1024);
            var reader = _queue.Reader;
            try
            {
                while (await reader.WaitToReadAsync())
                {
                    var type = WebSocketMessageType.Text;
                    while (batch.WrittenCount < 64 * 1024 && reader.TryRead(out var item))
                    {
                        batch.Write(item.Bytes);
                        type = item.Type;
                    }

                    await ws.SendAsync(batch.WrittenMemory, type, endOfMessage: true, CancellationToken.None);
                    batch.ResetWrittenCount();
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
            {
            }
        }
    }
}
