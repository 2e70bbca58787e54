using System.Buffers;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Ours = SignalRLite.Protocol;
using Official = Microsoft.AspNetCore.SignalR.Protocol;

namespace SignalRLite.Benchmarks;

/// <summary>
/// Shared body of the protocol benchmarks: write (to a reused buffer writer) and parse (from the bytes the
/// official writer produced, so that both parsers read identical input) one message.
/// The official implementation is the baseline of each category, so the Ratio column reads ours / official.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public abstract class ProtocolBenchmarksBase
{
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private readonly OurBinder _ourBinder = new();
    private readonly OfficialBinder _officialBinder = new();
    private Ours.IHubProtocol _ours = null!;
    private Official.IHubProtocol _official = null!;
    private Ours.HubMessage _ourMessage = null!;
    private Official.HubMessage _officialMessage = null!;
    private ReadOnlySequence<byte> _wire;

    [ParamsAllValues]
    public MessageKind Kind { get; set; }

    protected abstract Ours.IHubProtocol CreateOurs();

    protected abstract Official.IHubProtocol CreateOfficial();

    [GlobalSetup]
    public void Setup()
    {
        _ours = CreateOurs();
        _official = CreateOfficial();
        _ourMessage = Messages.CreateOurs(Kind);
        _officialMessage = Messages.CreateOfficial(Kind);
        _wire = new ReadOnlySequence<byte>(_official.GetMessageBytes(_officialMessage));

        // Sanity: both parsers accept the input, and both writers produce the same number of bytes.
        var ourBytes = _ours.GetMessageBytes(_ourMessage);
        if (ourBytes.Length != _wire.Length)
        {
            Console.WriteLine($"// note: {GetType().Name} {Kind}: ours writes {ourBytes.Length} bytes, official {_wire.Length}");
        }

        if (Parse_Ours() is null || Parse_Official() is null)
        {
            throw new InvalidOperationException($"{Kind}: a parser returned no message.");
        }
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Write")]
    public int Write_Official()
    {
        _output.ResetWrittenCount();
        _official.WriteMessage(_officialMessage, _output);
        return _output.WrittenCount;
    }

    [Benchmark, BenchmarkCategory("Write")]
    public int Write_Ours()
    {
        _output.ResetWrittenCount();
        _ours.WriteMessage(_ourMessage, _output);
        return _output.WrittenCount;
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Parse")]
    public object? Parse_Official()
    {
        var input = _wire;
        _official.TryParseMessage(ref input, _officialBinder, out var message);
        return message;
    }

    [Benchmark, BenchmarkCategory("Parse")]
    public object? Parse_Ours()
    {
        var input = _wire;
        _ours.TryParseMessage(ref input, _ourBinder, out var message);
        return message;
    }
}

public class JsonProtocolBenchmarks : ProtocolBenchmarksBase
{
    protected override Ours.IHubProtocol CreateOurs() => new Ours.JsonHubProtocol();

    protected override Official.IHubProtocol CreateOfficial() => new Official.JsonHubProtocol();
}

#if HAS_LITE_MSGPACK
public class MessagePackProtocolBenchmarks : ProtocolBenchmarksBase
{
    protected override Ours.IHubProtocol CreateOurs() => new SignalRLite.Protocol.MessagePackHubProtocol();

    protected override Official.IHubProtocol CreateOfficial() => new Official.MessagePackHubProtocol();
}
#endif
