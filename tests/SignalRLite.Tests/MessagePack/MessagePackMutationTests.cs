using System.Buffers;
using SignalRLite.Protocol;

namespace SignalRLite.Tests.MessagePackProtocol;

/// <summary>
/// Randomised hostile input (fixed seeds, so failures reproduce): mutated valid frames must give a
/// message, false, or InvalidDataException, and never any other exception.
/// </summary>
public class MessagePackMutationTests
{
    private readonly MessagePackHubProtocol _protocol = new();

    private static TestBinder Binder() => new TestBinder()
        .Method("method", typeof(int))
        .Method("Many", typeof(Person), typeof(int[]), typeof(Color), typeof(int?), typeof(string), typeof(object), typeof(DateTime))
        .Returns("1", typeof(Person))
        .Returns("2", typeof(int))
        .Stream("s", typeof(string));

    private byte[][] Seeds()
    {
        var messages = new HubMessage[]
        {
            new InvocationMessage("1", "Many", new object?[]
            {
                new Person { Name = "Ann", Age = 3, Scores = new[] { 1, 2 } }, new[] { 1 }, Color.Red, 4, "x", new Dictionary<string, object> { ["a"] = 1 }, DateTime.UtcNow,
            }) { Headers = new Dictionary<string, string> { ["h"] = "v" } },
            new InvocationMessage("method", new object?[] { 42 }),
            new StreamInvocationMessage("3", "method", new object?[] { 1 }, new[] { "s" }),
            new StreamItemMessage("s", "item"),
            CompletionMessage.WithResult("1", new Person { Name = "B" }),
            CompletionMessage.WithResult("2", 5),
            CompletionMessage.WithError("2", "e"),
            CompletionMessage.Empty("2"),
            new CancelInvocationMessage("1"),
            PingMessage.Instance,
            new CloseMessage("bye", true),
            new AckMessage(300),
            new SequenceMessage(70000),
        };
        return messages.Select(m => _protocol.GetMessageBytes(m).ToArray()).ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Mutated_frames_never_throw_anything_but_InvalidDataException(int seed)
    {
        var random = new Random(seed);
        var seeds = Seeds();
        for (var iteration = 0; iteration < 5000; iteration++)
        {
            var bytes = (byte[])seeds[random.Next(seeds.Length)].Clone();
            var mutations = random.Next(1, 4);
            for (var m = 0; m < mutations; m++)
            {
                switch (random.Next(4))
                {
                    case 0:
                        bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                        break;
                    case 1:
                        bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                        break;
                    case 2:
                        bytes = bytes.AsSpan(0, random.Next(bytes.Length + 1)).ToArray();
                        break;
                    default:
                        var at = random.Next(bytes.Length + 1);
                        var insert = new[] { (byte)random.Next(256) };
                        bytes = bytes.AsSpan(0, at).ToArray().Concat(insert).Concat(bytes.AsSpan(at).ToArray()).ToArray();
                        break;
                }

                if (bytes.Length == 0)
                {
                    break;
                }
            }

            var buffer = new ReadOnlySequence<byte>(bytes);
            try
            {
                while (_protocol.TryParseMessage(ref buffer, Binder(), out var message))
                {
                    Assert.NotNull(message);
                }
            }
            catch (InvalidDataException)
            {
            }
            catch (Exception ex)
            {
                Assert.Fail($"seed {seed}, iteration {iteration}, input {Bytes.ToHex(bytes)}: {ex}");
            }
        }
    }
}
