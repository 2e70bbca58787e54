#if HAS_LITE_HUBS
using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SignalRLite.Internal.Hubs;

namespace SignalRLite.Benchmarks;

/// <summary>
/// One invocation through the hub runtime: the client side writes an Invocation of <c>Echo(string)</c> into an
/// in-memory <see cref="ConnectionContext"/> (pipes, no sockets) and reads back the Completion. The same is done
/// against the official <c>Microsoft.AspNetCore.SignalR.HubConnectionHandler</c> (shared framework, black box), the
/// baseline. 100 round trips per benchmark invocation. <c>Echo_Ours</c> runs on the source generator's path (this project
/// runs the generator); <c>Echo_Ours_Reflection</c> on the reflection path (a generic hub, which the generator skips).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class DispatchBenchmarks
{
    private const int RoundTrips = 100;
    private PipeConnection _ours = null!;
    private PipeConnection _official = null!;
    private PipeConnection _reflection = null!;
    private Task _reflectionHandler = null!;
    private ServiceProvider _ourServices = null!;
    private ServiceProvider _officialServices = null!;
    private Task _ourHandler = null!;
    private Task _officialHandler = null!;
    private byte[] _frame = null!;
    private int _idAt;

    [Params("json", "messagepack")]
    public string Protocol { get; set; } = "json";

    private bool Binary => Protocol == "messagepack";

    [GlobalSetup]
    public void Setup()
    {
        // The invocation ID is a 10-digit counter patched before each send (IDs are never reused on a connection).
        _frame = Binary
            ? [0x37, 0x96, 0x01, 0x80, 0xAA, .. "0000000000"u8, 0xA4, (byte)'E', (byte)'c', (byte)'h', (byte)'o', 0x91, 0xD9, 0x20, .. Encoding.ASCII.GetBytes(new string('x', 32)), 0x90]
            : Encoding.UTF8.GetBytes("{\"type\":1,\"invocationId\":\"0000000000\",\"target\":\"Echo\",\"arguments\":[\"" + new string('x', 32) + "\"]}\u001e");
        _idAt = _frame.AsSpan().IndexOf("0000000000"u8);

        var ours = new ServiceCollection();
        ours.AddLogging(l => l.SetMinimumLevel(LogLevel.Error));
        ours.AddSignalRLite().AddMessagePackProtocol();
        _ourServices = ours.BuildServiceProvider();

        var official = new ServiceCollection();
        official.AddLogging(l => l.SetMinimumLevel(LogLevel.Error));
        official.AddSignalR().AddMessagePackProtocol();
        _officialServices = official.BuildServiceProvider();

        _ours = new PipeConnection();
        _ourHandler = _ourServices.GetRequiredService<HubConnectionHandler<LiteEchoHub>>().OnConnectedAsync(_ours.Context);
        _official = new PipeConnection();
        _officialHandler = _officialServices.GetRequiredService<Microsoft.AspNetCore.SignalR.HubConnectionHandler<OfficialEchoHub>>().OnConnectedAsync(_official.Context);
        _reflection = new PipeConnection();
        _reflectionHandler = _ourServices.GetRequiredService<HubConnectionHandler<LiteReflectionEchoHub<int>>>().OnConnectedAsync(_reflection.Context);
        _reflection.HandshakeAsync(Protocol).GetAwaiter().GetResult();
        _ours.HandshakeAsync(Protocol).GetAwaiter().GetResult();
        _official.HandshakeAsync(Protocol).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ours.Close();
        _official.Close();
        _reflection.Close();
        Task.WhenAll(_ourHandler, _officialHandler, _reflectionHandler).Wait(TimeSpan.FromSeconds(5));
        _ourServices.Dispose();
        _officialServices.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = RoundTrips), BenchmarkCategory("Echo")]
    public Task Echo_Official() => _official.RoundTripsAsync(_frame, _idAt, Binary, RoundTrips);

    [Benchmark(OperationsPerInvoke = RoundTrips), BenchmarkCategory("Echo")]
    public Task Echo_Ours() => _ours.RoundTripsAsync(_frame, _idAt, Binary, RoundTrips);

    [Benchmark(OperationsPerInvoke = RoundTrips), BenchmarkCategory("Echo")]
    public Task Echo_Ours_Reflection() => _reflection.RoundTripsAsync(_frame, _idAt, Binary, RoundTrips);

    /// <summary>The client end of an in-memory connection.</summary>
    private sealed class PipeConnection
    {
        private readonly Pipe _toServer = new(new PipeOptions(useSynchronizationContext: false, pauseWriterThreshold: 0));
        private readonly Pipe _toClient = new(new PipeOptions(useSynchronizationContext: false, pauseWriterThreshold: 0));

        public PipeConnection()
        {
            var transport = new Duplex(_toServer.Reader, _toClient.Writer);
            var application = new Duplex(_toClient.Reader, _toServer.Writer);
            Context = new DefaultConnectionContext(Guid.NewGuid().ToString("N"), transport, application);
            Context.Features.Set<ITransferFormatFeature>(new TransferFormats());
        }

        public DefaultConnectionContext Context { get; }

        public async Task HandshakeAsync(string protocol)
        {
            await _toServer.Writer.WriteAsync(Encoding.UTF8.GetBytes($"{{\"protocol\":\"{protocol}\",\"version\":1}}\u001e"));
            while (true)
            {
                var result = await _toClient.Reader.ReadAsync();
                var buffer = result.Buffer;
                var rs = buffer.PositionOf((byte)0x1E);
                if (rs is { } end)
                {
                    var text = Encoding.UTF8.GetString(buffer.Slice(0, end).ToArray());
                    _toClient.Reader.AdvanceTo(buffer.GetPosition(1, end));
                    if (text != "{}")
                    {
                        throw new InvalidOperationException("Handshake failed: " + text);
                    }

                    return;
                }

                _toClient.Reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }

        private long _nextId;

        public async Task RoundTripsAsync(byte[] frame, int idAt, bool binary, int count)
        {
            for (var i = 0; i < count; i++)
            {
                var id = ++_nextId;
                for (var d = 9; d >= 0; d--)
                {
                    frame[idAt + d] = (byte)('0' + (id % 10));
                    id /= 10;
                }

                await _toServer.Writer.WriteAsync(frame);
                await ReadCompletionAsync(binary);
            }
        }

        private async ValueTask ReadCompletionAsync(bool binary)
        {
            while (true)
            {
                var result = await _toClient.Reader.ReadAsync();
                var buffer = result.Buffer;
                if (TryFrame(ref buffer, binary, out var type))
                {
                    _toClient.Reader.AdvanceTo(buffer.Start);
                    if (type == 3)
                    {
                        return;
                    }

                    continue; // a ping: keep reading
                }

                if (result.IsCompleted)
                {
                    throw new InvalidOperationException("The server closed the connection: " + Encoding.UTF8.GetString(buffer.ToArray()));
                }

                _toClient.Reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }

        private static bool TryFrame(ref ReadOnlySequence<byte> buffer, bool binary, out int type)
        {
            type = -1;
            var reader = new SequenceReader<byte>(buffer);
            if (!binary)
            {
                if (!reader.TryReadTo(out ReadOnlySequence<byte> frame, (byte)0x1E))
                {
                    return false;
                }

                var bytes = frame.IsSingleSegment ? frame.FirstSpan : frame.ToArray();
                var at = bytes.IndexOf("\"type\":"u8);
                type = at >= 0 && at + 7 < bytes.Length ? bytes[at + 7] - '0' : -1;
                buffer = buffer.Slice(reader.Position);
                return true;
            }

            var length = 0;
            var shift = 0;
            byte b;
            do
            {
                if (!reader.TryRead(out b))
                {
                    return false;
                }

                length |= (b & 0x7F) << shift;
                shift += 7;
            }
            while ((b & 0x80) != 0);

            var header = reader.Consumed;
            if (reader.Remaining < length || length < 2)
            {
                return false;
            }

            var body = buffer.Slice(header, length);
            type = body.Slice(1, 1).FirstSpan[0];
            buffer = buffer.Slice(header + length);
            return true;
        }

        public void Close()
        {
            _toServer.Writer.Complete();
        }
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    private sealed class TransferFormats : ITransferFormatFeature
    {
        public TransferFormat SupportedFormats => TransferFormat.Text | TransferFormat.Binary;

        public TransferFormat ActiveFormat { get; set; } = TransferFormat.Text;
    }
}

public sealed class LiteEchoHub : Hub
{
    public string Echo(string message) => message;
}

/// <summary>The same hub on the reflection path: the generator does not describe generic hubs (closed at run time).</summary>
public sealed class LiteReflectionEchoHub<T> : Hub
{
    public string Echo(string message) => message;
}

/// <summary>
/// A hub method's invoker alone, generated (direct call) against reflection (compiled expression tree), and the cost of
/// building a hub's method table at startup on each path.
/// </summary>
[MemoryDiagnoser]
public class HubInvokerBenchmarks
{
    private readonly LiteInvokerHub _hub = new();
    private readonly object?[] _echoArgs = ["hello"];
    private readonly object?[] _addArgs = [1, 2];
    private HubMethodDescriptor _generatedEcho = null!;
    private HubMethodDescriptor _reflectionEcho = null!;
    private HubMethodDescriptor _generatedAdd = null!;
    private HubMethodDescriptor _reflectionAdd = null!;
    private HubMethodDescriptor _generatedAddAsync = null!;
    private HubMethodDescriptor _reflectionAddAsync = null!;

    [GlobalSetup]
    public void Setup()
    {
        var generated = HubMethodTable.Create<LiteInvokerHub>(null, false);
        if (!generated.IsGenerated)
        {
            throw new InvalidOperationException("LiteInvokerHub has no generated method table: is the generator referenced?");
        }

        var reflection = HubMethodTable.FromReflection(typeof(LiteInvokerHub), null, false);
        generated.TryGet("Echo", out _generatedEcho!);
        reflection.TryGet("Echo", out _reflectionEcho!);
        generated.TryGet("Add", out _generatedAdd!);
        reflection.TryGet("Add", out _reflectionAdd!);
        generated.TryGet("AddAsync", out _generatedAddAsync!);
        reflection.TryGet("AddAsync", out _reflectionAddAsync!);
    }

    [Benchmark, BenchmarkCategory("Invoke")]
    public ValueTask<object?> Echo_Generated() => _generatedEcho.Invoker(_hub, _echoArgs);

    [Benchmark, BenchmarkCategory("Invoke")]
    public ValueTask<object?> Echo_Reflection() => _reflectionEcho.Invoker(_hub, _echoArgs);

    [Benchmark, BenchmarkCategory("Invoke")]
    public ValueTask<object?> AddInts_Generated() => _generatedAdd.Invoker(_hub, _addArgs);

    [Benchmark, BenchmarkCategory("Invoke")]
    public ValueTask<object?> AddInts_Reflection() => _reflectionAdd.Invoker(_hub, _addArgs);

    [Benchmark, BenchmarkCategory("Invoke")]
    public ValueTask<object?> AddIntsTask_Generated() => _generatedAddAsync.Invoker(_hub, _addArgs);

    [Benchmark, BenchmarkCategory("Invoke")]
    public ValueTask<object?> AddIntsTask_Reflection() => _reflectionAddAsync.Invoker(_hub, _addArgs);

    [Benchmark, BenchmarkCategory("BuildTable")]
    public object BuildTable_Generated() => HubMethodTable.Create<LiteInvokerHub>(null, false);

    [Benchmark, BenchmarkCategory("BuildTable")]
    public object BuildTable_Reflection() => HubMethodTable.FromReflection(typeof(LiteInvokerHub), null, false);
}

public sealed class LiteInvokerHub : Hub
{
    public string Echo(string message) => message;

    public int Add(int a, int b) => a + b;

    public Task<int> AddAsync(int a, int b) => Task.FromResult(a + b);
}

public sealed class OfficialEchoHub : Microsoft.AspNetCore.SignalR.Hub
{
    public string Echo(string message) => message;
}
#endif
