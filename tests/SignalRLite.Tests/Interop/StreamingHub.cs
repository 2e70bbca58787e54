using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using SignalRLite.Tests.Infrastructure;

namespace SignalRLite.Tests.Interop;

/// <summary>What <see cref="StreamingHub"/> saw, so tests await server-side events instead of sleeping.</summary>
public sealed class StreamingProbe
{
    private readonly ConcurrentDictionary<string, Signal<(int Produced, bool Cancelled)>> _ended = new();
    private readonly Lock _lock = new();
    private readonly List<int> _appended = [];
    private int _running;

    public int MaxRunning { get; private set; }

    public Signal<(int Produced, bool Cancelled)> Ended(string key) => _ended.GetOrAdd(key, _ => new());

    public Signal<string> Asked { get; } = new();

    public int[] Appended
    {
        get
        {
            lock (_lock)
            {
                return [.. _appended];
            }
        }
    }

    public int Enter()
    {
        lock (_lock)
        {
            _running++;
            MaxRunning = Math.Max(MaxRunning, _running);
            return _running;
        }
    }

    public void Exit(int? appended = null)
    {
        lock (_lock)
        {
            _running--;
            if (appended is { } value)
            {
                _appended.Add(value);
            }
        }
    }
}

public interface IStreamingClient
{
    Task<string> Ask(string question);

    Task<int> AskNumber(int value, CancellationToken cancellationToken);
}

/// <summary>Streams, uploads, client results and ordering, for the official .NET client.</summary>
public class StreamingHub(StreamingProbe probe) : Hub
{
    public string GetConnectionId() => Context.ConnectionId;

    public async IAsyncEnumerable<int> Counter(int count, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return i;
        }

        await Task.CompletedTask;
    }

    public ChannelReader<int> CounterChannel(int count)
    {
        var channel = Channel.CreateBounded<int>(16);
        _ = Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                await channel.Writer.WriteAsync(i);
            }

            channel.Writer.Complete();
        });
        return channel.Reader;
    }

    public async Task<ChannelReader<int>> CounterChannelTask(int count)
    {
        await Task.Yield();
        return CounterChannel(count);
    }

    public async ValueTask<IAsyncEnumerable<int>> CounterValueTask(int count)
    {
        await Task.Yield();
        return Counter(count, CancellationToken.None);
    }

    /// <summary>Never ends by itself; reports how many items it produced once its token fires.</summary>
    public async IAsyncEnumerable<int> Endless(string key, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var produced = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(1, CancellationToken.None);
                if (cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                yield return produced++;
            }
        }
        finally
        {
            probe.Ended(key).TrySetResult((produced, cancellationToken.IsCancellationRequested));
        }
    }

    public async Task<long> Sum(ChannelReader<int> numbers)
    {
        long sum = 0;
        await foreach (var n in numbers.ReadAllAsync())
        {
            sum += n;
        }

        return sum;
    }

    public async Task<string> SumEnumerable(IAsyncEnumerable<int> numbers)
    {
        long sum = 0;
        var count = 0;
        await foreach (var n in numbers)
        {
            sum += n;
            count++;
        }

        return $"{count}:{sum}";
    }

    public async Task<string> UploadOutcome(ChannelReader<int> numbers)
    {
        var count = 0;
        try
        {
            await foreach (var _ in numbers.ReadAllAsync())
            {
                count++;
            }

            return $"completed:{count}";
        }
        catch (Exception ex)
        {
            return $"failed:{count}:{ex.Message}";
        }
    }

    public async Task<string> AskCaller(string question) =>
        "caller said " + await Clients.Caller.InvokeAsync<string>("Ask", question, Context.ConnectionAborted);

    public async Task<string> AskSingle(string connectionId, string question, int timeoutMs)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            return "ok:" + await Clients.Client(connectionId).InvokeAsync<string>("Ask", question, cts.Token);
        }
        catch (Exception ex)
        {
            return $"{ex.GetType().Name}:{ex.Message}";
        }
    }

    public async Task<int> Append(int value)
    {
        var running = probe.Enter();
        await Task.Yield();
        probe.Exit(value);
        return running;
    }
}

/// <summary>The typed flavour: client results through <see cref="IStreamingClient"/>.</summary>
public class TypedStreamingHub : Hub<IStreamingClient>
{
    public string GetConnectionId() => Context.ConnectionId;

    public async Task<string> AskCaller(string question) => "typed " + await Clients.Caller.Ask(question);

    public async Task<int> AskNumber(string connectionId, int value) =>
        await Clients.Client(connectionId).AskNumber(value, CancellationToken.None);
}
