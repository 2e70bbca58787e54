using System.Buffers;

namespace SignalRLite.Tests.Protocol;

/// <summary>Builds a multi-segment sequence, to test parsers on data split across buffers.</summary>
internal static class SegmentedSequence
{
    public static ReadOnlySequence<byte> Create(byte[] bytes, int segmentSize)
    {
        Segment? first = null, last = null;
        for (var i = 0; i < bytes.Length; i += segmentSize)
        {
            var chunk = bytes.AsMemory(i, Math.Min(segmentSize, bytes.Length - i));
            var segment = new Segment(chunk);
            if (first is null)
            {
                first = last = segment;
            }
            else
            {
                last = last!.Append(segment);
            }
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(Segment next)
        {
            next.RunningIndex = RunningIndex + Memory.Length;
            Next = next;
            return next;
        }
    }
}
