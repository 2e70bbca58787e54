using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Ours = SignalRLite.Protocol;
using Official = Microsoft.AspNetCore.SignalR.Protocol;

namespace SignalRLite.Benchmarks;

/// <summary>The handshake: parsing the client's request and writing the success and error responses.</summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class HandshakeBenchmarks
{
    private static readonly ReadOnlySequence<byte> Request = new(Encoding.UTF8.GetBytes("{\"protocol\":\"messagepack\",\"version\":1}\u001e"));
    private readonly ArrayBufferWriter<byte> _output = new(1024);
    private readonly Ours.HandshakeResponseMessage _ourError = new("The protocol 'xml' is not supported.");
    private readonly Official.HandshakeResponseMessage _officialError = new("The protocol 'xml' is not supported.");

    [Benchmark(Baseline = true), BenchmarkCategory("ParseRequest")]
    public object? ParseRequest_Official()
    {
        var input = Request;
        Official.HandshakeProtocol.TryParseRequestMessage(ref input, out var request);
        return request;
    }

    [Benchmark, BenchmarkCategory("ParseRequest")]
    public object? ParseRequest_Ours()
    {
        var input = Request;
        Ours.HandshakeProtocol.TryParseRequestMessage(ref input, out var request);
        return request;
    }

    [Benchmark(Baseline = true), BenchmarkCategory("WriteSuccess")]
    public int WriteSuccess_Official()
    {
        _output.ResetWrittenCount();
        Official.HandshakeProtocol.WriteResponseMessage(Official.HandshakeResponseMessage.Empty, _output);
        return _output.WrittenCount;
    }

    [Benchmark, BenchmarkCategory("WriteSuccess")]
    public int WriteSuccess_Ours()
    {
        _output.ResetWrittenCount();
        Ours.HandshakeProtocol.WriteResponseMessage(Ours.HandshakeResponseMessage.Empty, _output);
        return _output.WrittenCount;
    }

    [Benchmark(Baseline = true), BenchmarkCategory("WriteError")]
    public int WriteError_Official()
    {
        _output.ResetWrittenCount();
        Official.HandshakeProtocol.WriteResponseMessage(_officialError, _output);
        return _output.WrittenCount;
    }

    [Benchmark, BenchmarkCategory("WriteError")]
    public int WriteError_Ours()
    {
        _output.ResetWrittenCount();
        Ours.HandshakeProtocol.WriteResponseMessage(_ourError, _output);
        return _output.WrittenCount;
    }
}
