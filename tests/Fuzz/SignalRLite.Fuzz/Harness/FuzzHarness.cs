using System.Buffers;
using SignalRLite.Protocol;

namespace SignalRLite.Fuzz;

/// <summary>Thrown by the harness for a finding that is not an exception of the parser itself (a broken invariant).</summary>
public sealed class FuzzFindingException(string message) : Exception(message);

/// <summary>
/// The fuzz targets. Each parses its input the way the server's read loop does (repeated
/// <c>TryParseMessage</c> until it returns false) and checks:
/// <list type="bullet">
/// <item>the only exception is <see cref="InvalidDataException"/> (anything else escapes: a crash);</item>
/// <item>a parse that returns true consumes input (otherwise the read loop would spin);</item>
/// <item>feeding the same bytes in chunks over a multi-segment buffer gives the same messages and the same outcome as one shot;</item>
/// <item>every parsed message that can be written re-encodes and parses back to the same message;</item>
/// <item>allocation stays proportional to the input size.</item>
/// </list>
/// Shared by the AFL harness (Program.cs) and the xunit regression tests (linked source).
/// </summary>
public static class FuzzHarness
{
    /// <summary>The target names.</summary>
    public static readonly IReadOnlyList<string> Targets = ["handshake", "json", "messagepack"];

    /// <summary>Allocation budget for one input: a fixed allowance plus a multiple of the input length.</summary>
    public const long AllocationBaseBytes = 8L * 1024 * 1024;

    /// <summary>Allocation budget per input byte.</summary>
    public const long AllocationBytesPerInputByte = 1024;

    private static bool s_warmedUp;

    // Created on first use: instrumented library code must not run before SharpFuzz's Fuzzer.Run
    // has set up the coverage map (it crashes with an access violation otherwise).
    private static JsonHubProtocol Json => Protocols.Json;

    private static MessagePackHubProtocol MessagePack => Protocols.MessagePack;

    /// <summary>
    /// Runs one input through a target. Returns normally for accepted, incomplete and malformed
    /// (<see cref="InvalidDataException"/>) input; throws anything else.
    /// </summary>
    public static void Run(string target, ReadOnlySpan<byte> data)
    {
        var input = data.ToArray();
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        switch (target)
        {
            case "handshake":
                RunHandshake(input);
                break;
            case "json":
                RunProtocol(Json, input);
                break;
            case "messagepack":
                RunProtocol(MessagePack, input);
                break;
            default:
                throw new ArgumentException($"Unknown fuzz target '{target}'. Known: {string.Join(", ", Targets)}.", nameof(target));
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        var budget = AllocationBaseBytes + (AllocationBytesPerInputByte * input.Length);
        if (s_warmedUp && allocated > budget)
        {
            throw new FuzzFindingException($"Parsing {input.Length} bytes allocated {allocated} bytes (budget {budget}).");
        }
    }

    /// <summary>
    /// Touches every payload type once in both protocols so that one-time serializer setup
    /// (metadata, generated formatters) is not counted against the first input's allocation budget.
    /// </summary>
    public static void WarmUp()
    {
        if (s_warmedUp)
        {
            return;
        }

        foreach (var (method, types) in FuzzBinder.KnownMethods)
        {
            var arguments = types.Select(t => t.IsValueType ? Activator.CreateInstance(t) : null).ToArray();
            foreach (IHubProtocol protocol in new IHubProtocol[] { Json, MessagePack })
            {
                var bytes = protocol.GetMessageBytes(new InvocationMessage("1", method, arguments));
                var sequence = new ReadOnlySequence<byte>(bytes);
                protocol.TryParseMessage(ref sequence, FuzzBinder.Instance, out _);
            }
        }

        // First exceptions and first uses of the framing code (Run never throws InvalidDataException itself).
        foreach (var target in Targets)
        {
            Run(target, "{\"type\":3,\"invocationId\":\"2\",\"result\":{\"id\":1}}\u001e"u8);
            Run(target, [0x05, 0x94, 0x02, 0x80, 0xA2, 0x31, 0x31]);
        }

        s_warmedUp = true;
    }

    private static void RunHandshake(byte[] input)
    {
        var oneShot = ParseHandshake([input]);
        var chunked = ParseHandshake(Chunk(input));
        Compare("handshake", oneShot, chunked);

        // The client-side response parser sees server bytes, but must follow the same contract.
        try
        {
            var sequence = new ReadOnlySequence<byte>(input);
            HandshakeProtocol.TryParseResponseMessage(ref sequence, out _);
        }
        catch (InvalidDataException)
        {
        }
    }

    private static Outcome ParseHandshake(IReadOnlyList<byte[]> chunks)
    {
        var outcome = new Outcome();
        var buffer = new ChunkBuffer();
        for (var index = 0; index < chunks.Count; index++)
        {
            buffer.Append(chunks[index]);
            var sequence = buffer.Sequence;
            var before = sequence.Length;
            try
            {
                if (!HandshakeProtocol.TryParseRequestMessage(ref sequence, out var request))
                {
                    if (sequence.Length != before)
                    {
                        throw new FuzzFindingException("TryParseRequestMessage returned false but consumed input.");
                    }

                    continue;
                }

                if (sequence.Length >= before)
                {
                    throw new FuzzFindingException("TryParseRequestMessage returned true without consuming input.");
                }

                var rendered = MessageRenderer.Render(request);
                outcome.Messages.Add(rendered);

                // Round trip: the request written back parses to the same request.
                var writer = new ArrayBufferWriter<byte>();
                HandshakeProtocol.WriteRequestMessage(request, writer);
                var written = new ReadOnlySequence<byte>(writer.WrittenMemory);
                if (!HandshakeProtocol.TryParseRequestMessage(ref written, out var reparsed) || !written.IsEmpty
                    || MessageRenderer.Render(reparsed) != rendered)
                {
                    throw new FuzzFindingException($"Handshake round trip differs for {rendered}.");
                }

                outcome.Remaining = sequence.Length + chunks.Skip(index + 1).Sum(c => (long)c.Length);
                outcome.Done = true;
                return outcome;
            }
            catch (InvalidDataException)
            {
                outcome.Malformed = true;
                return outcome;
            }
        }

        outcome.Remaining = buffer.Sequence.Length;
        return outcome;
    }

    private static void RunProtocol(IHubProtocol protocol, byte[] input)
    {
        var oneShot = ParseStream(protocol, [input], roundTrip: true);
        var chunked = ParseStream(protocol, Chunk(input), roundTrip: false);
        Compare(protocol.Name, oneShot, chunked);
    }

    // The server's read loop: append what the transport delivered, parse until false, keep the rest.
    private static Outcome ParseStream(IHubProtocol protocol, IReadOnlyList<byte[]> chunks, bool roundTrip)
    {
        var outcome = new Outcome();
        var buffer = new ChunkBuffer();
        foreach (var chunk in chunks)
        {
            buffer.Append(chunk);
            var sequence = buffer.Sequence;
            try
            {
                while (true)
                {
                    var before = sequence.Length;
                    if (!protocol.TryParseMessage(ref sequence, FuzzBinder.Instance, out var message))
                    {
                        break;
                    }

                    if (message is null)
                    {
                        throw new FuzzFindingException("TryParseMessage returned true with a null message.");
                    }

                    if (sequence.Length >= before)
                    {
                        throw new FuzzFindingException("TryParseMessage returned true without consuming input: the read loop would spin.");
                    }

                    var rendered = MessageRenderer.Render(message);
                    outcome.Messages.Add(rendered);
                    if (roundTrip)
                    {
                        CheckRoundTrip(protocol, message, rendered);
                    }
                }
            }
            catch (InvalidDataException)
            {
                outcome.Malformed = true;
                return outcome;
            }

            buffer.Consume(sequence);
        }

        outcome.Remaining = buffer.Sequence.Length;
        return outcome;
    }

    private static void CheckRoundTrip(IHubProtocol protocol, HubMessage message, string rendered)
    {
        // Binding failures cannot be written. A JsonElement (object parameter) may hold a string that
        // is not valid UTF-8 / UTF-16 (System.Text.Json validates strings only when they are read as
        // .NET strings): writing it back throws or substitutes U+FFFD, a writer limitation, not a parser bug.
        if (!MessageRenderer.IsWritable(message) || rendered.Contains("raw:\"", StringComparison.Ordinal))
        {
            return;
        }

        var bytes = protocol.GetMessageBytes(message);

        var sequence = new ReadOnlySequence<byte>(bytes);
        HubMessage? reparsed;
        try
        {
            if (!protocol.TryParseMessage(ref sequence, FuzzBinder.Instance, out reparsed) || !sequence.IsEmpty)
            {
                throw new FuzzFindingException($"{protocol.Name}: the re-encoded message is not one complete message: {rendered}");
            }
        }
        catch (InvalidDataException ex)
        {
            throw new FuzzFindingException($"{protocol.Name}: the re-encoded message does not parse ({ex.Message}): {rendered}");
        }

        var again = MessageRenderer.Render(reparsed!);
        if (again != rendered)
        {
            throw new FuzzFindingException($"{protocol.Name}: round trip differs.\n  parsed:   {rendered}\n  reparsed: {again}");
        }
    }

    private static void Compare(string name, Outcome oneShot, Outcome chunked)
    {
        if (!oneShot.Equals(chunked))
        {
            throw new FuzzFindingException($"{name}: parsing in chunks differs from parsing in one shot.\n  one shot: {oneShot}\n  chunked:  {chunked}");
        }
    }

    // Deterministic split points derived from the input itself, so a replay reproduces the run.
    private static List<byte[]> Chunk(byte[] input)
    {
        var hash = 2166136261u;
        foreach (var b in input)
        {
            hash = (hash ^ b) * 16777619u;
        }

        var random = new Random((int)hash);
        var chunks = new List<byte[]>();
        var offset = 0;
        while (offset < input.Length)
        {
            // Mostly small chunks so that every framing boundary gets split sometimes; fewer for big inputs.
            var small = Math.Max(8, input.Length / 64);
            var size = random.Next(4) == 0 ? random.Next(1, 8 * small) : random.Next(1, small + 1);
            size = Math.Min(size, input.Length - offset);
            chunks.Add(input.AsSpan(offset, size).ToArray());
            offset += size;
        }

        if (chunks.Count == 0)
        {
            chunks.Add([]);
        }

        return chunks;
    }

    private static class Protocols
    {
        public static readonly JsonHubProtocol Json = new();
        public static readonly MessagePackHubProtocol MessagePack = new();
    }

    private sealed class Outcome
    {
        public List<string> Messages { get; } = [];

        public bool Malformed { get; set; }

        public bool Done { get; set; }

        public long Remaining { get; set; }

        public bool Equals(Outcome other)
            => Malformed == other.Malformed && Done == other.Done && (Malformed || Remaining == other.Remaining)
               && Messages.SequenceEqual(other.Messages);

        public override string ToString()
            => $"{Messages.Count} message(s) [{string.Join("; ", Messages)}] then {(Malformed ? "InvalidDataException" : Done ? "done" : "incomplete")}, {Remaining} byte(s) left";
    }

    /// <summary>Unconsumed bytes as a multi-segment sequence (one segment per transport read).</summary>
    private sealed class ChunkBuffer
    {
        private readonly List<ReadOnlyMemory<byte>> _segments = [];

        public ReadOnlySequence<byte> Sequence { get; private set; } = ReadOnlySequence<byte>.Empty;

        public void Append(byte[] chunk)
        {
            if (chunk.Length > 0)
            {
                _segments.Add(chunk);
            }

            Sequence = Build(_segments);
        }

        public void Consume(ReadOnlySequence<byte> remaining)
        {
            _segments.Clear();
            foreach (var memory in remaining)
            {
                if (!memory.IsEmpty)
                {
                    _segments.Add(memory);
                }
            }

            Sequence = Build(_segments);
        }

        private static ReadOnlySequence<byte> Build(List<ReadOnlyMemory<byte>> segments)
        {
            if (segments.Count == 0)
            {
                return ReadOnlySequence<byte>.Empty;
            }

            if (segments.Count == 1)
            {
                return new ReadOnlySequence<byte>(segments[0]);
            }

            var first = new Segment(segments[0], 0);
            var last = first;
            for (var i = 1; i < segments.Count; i++)
            {
                last = last.Append(segments[i]);
            }

            return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        }
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
