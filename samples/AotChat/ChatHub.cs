using System.Runtime.CompilerServices;
using System.Threading.Channels;
using SignalRLite;

namespace AotChat;

/// <summary>The chat hub of samples/Chat, plus calls with values and streams in both directions.</summary>
public sealed class ChatHub : Hub
{
    /// <summary>Broadcasts a message to everyone, the sender included (the page in wwwroot uses this).</summary>
    public Task SendMessage(string user, string message) =>
        Clients.All.SendAsync("ReceiveMessage", user, message);

    /// <summary>Returns its argument: the echo of the throughput measurements.</summary>
    public string Echo(string message) => message;

    /// <summary>Value types in and out.</summary>
    public int Add(int a, int b) => a + b;

    /// <summary>An app type (in AppJsonContext) as the result.</summary>
    public ChatMessage Stamp(string user, string text) => new(user, text, Timestamp: 1_700_000_000_000);

    /// <summary>Server-to-client stream of value types (IAsyncEnumerable).</summary>
    public async IAsyncEnumerable<int> Counter(int count, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return i;
            await Task.Yield();
        }
    }

    /// <summary>Server-to-client stream of an app value type (ChannelReader).</summary>
    public ChannelReader<Point> Points(int count)
    {
        var channel = Channel.CreateUnbounded<Point>();
        for (var i = 0; i < count; i++)
        {
            channel.Writer.TryWrite(new Point(i, i * i));
        }

        channel.Writer.Complete();
        return channel.Reader;
    }

    /// <summary>Client-to-server stream of value types (IAsyncEnumerable upload).</summary>
    public async Task<long> Sum(IAsyncEnumerable<int> numbers)
    {
        long sum = 0;
        await foreach (var n in numbers)
        {
            sum += n;
        }

        return sum;
    }

    /// <summary>Client-to-server stream of app value types (ChannelReader upload).</summary>
    public async Task<int> SumPoints(ChannelReader<Point> points)
    {
        var sum = 0;
        await foreach (var p in points.ReadAllAsync())
        {
            sum += p.X + p.Y;
        }

        return sum;
    }

    /// <summary>Client-to-server stream of strings.</summary>
    public async Task<string> Join(ChannelReader<string> parts)
    {
        var all = new List<string>();
        await foreach (var part in parts.ReadAllAsync())
        {
            all.Add(part);
        }

        return string.Join(' ', all);
    }
}
