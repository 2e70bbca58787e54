using System.Buffers;
using SignalRLite.Protocol;

namespace SignalRLite.Tests.MessagePackProtocol;

/// <summary>Our binder for tests: fixed tables, throws for unknown names like the hub runtime does.</summary>
internal sealed class TestBinder : IInvocationBinder
{
    public Dictionary<string, Type[]> Methods { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Type> ReturnTypes { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Type> StreamItemTypes { get; } = new(StringComparer.Ordinal);

    public TestBinder Method(string name, params Type[] parameterTypes)
    {
        Methods[name] = parameterTypes;
        return this;
    }

    public TestBinder Returns(string invocationId, Type type)
    {
        ReturnTypes[invocationId] = type;
        return this;
    }

    public TestBinder Stream(string streamId, Type type)
    {
        StreamItemTypes[streamId] = type;
        return this;
    }

    public IReadOnlyList<Type> GetParameterTypes(string methodName)
        => Methods.TryGetValue(methodName, out var types) ? types : throw new InvalidOperationException($"Unknown hub method '{methodName}'.");

    public Type GetReturnType(string invocationId)
        => ReturnTypes.TryGetValue(invocationId, out var type) ? type : throw new InvalidOperationException($"Unknown invocation '{invocationId}'.");

    public Type GetStreamItemType(string streamId)
        => StreamItemTypes.TryGetValue(streamId, out var type) ? type : throw new InvalidOperationException($"Unknown stream '{streamId}'.");
}

/// <summary>The official client's binder contract, for the black-box cross-checks.</summary>
internal sealed class OfficialBinder : Microsoft.AspNetCore.SignalR.IInvocationBinder
{
    public Dictionary<string, Type[]> Methods { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Type> ReturnTypes { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Type> StreamItemTypes { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<Type> GetParameterTypes(string methodName)
        => Methods.TryGetValue(methodName, out var types) ? types : throw new InvalidOperationException($"Unknown method '{methodName}'.");

    public Type GetReturnType(string invocationId)
        => ReturnTypes.TryGetValue(invocationId, out var type) ? type : throw new InvalidOperationException($"Unknown invocation '{invocationId}'.");

    public Type GetStreamItemType(string streamId)
        => StreamItemTypes.TryGetValue(streamId, out var type) ? type : throw new InvalidOperationException($"Unknown stream '{streamId}'.");
}

internal static class Bytes
{
    /// <summary>Parses "02 91 06" style hex dumps.</summary>
    public static byte[] FromHex(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty).Replace("\n", string.Empty));

    public static string ToHex(ReadOnlySpan<byte> bytes) => bytes.Length == 0 ? string.Empty : BitConverter.ToString(bytes.ToArray()).Replace("-", " ");

    public static string ToHex(ReadOnlyMemory<byte> bytes) => ToHex(bytes.Span);

    /// <summary>A sequence split into one-byte segments, to exercise non-contiguous input.</summary>
    public static ReadOnlySequence<byte> Fragmented(byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(bytes.AsMemory(0, 1), 0);
        var last = first;
        for (var i = 1; i < bytes.Length; i++)
        {
            last = last.Append(bytes.AsMemory(i, 1));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}

public enum Color
{
    Red = 0,
    Green = 1,
    Blue = 2,
}

public class Person
{
    public string? Name { get; set; }
    public int Age { get; set; }
    public DateTime Born { get; set; }
    public int[]? Scores { get; set; }
    public Color Favourite { get; set; }
}
