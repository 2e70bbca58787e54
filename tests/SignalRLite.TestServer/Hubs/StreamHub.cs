using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace TestServer.Hubs;

/// <summary>
/// Streams in both directions, client results and invocation ordering (mapped at /streamhub with the default
/// <c>MaximumParallelInvocationsPerClient = 1</c>, and as <see cref="ParallelStreamHub"/> at /parallelhub with 3).
/// </summary>
public class StreamHub(StreamLog log) : Hub
{
    public const string StreamObservers = "stream-observers";

    public string GetConnectionId() => Context.ConnectionId;

    /// <summary>The caller gets <c>StreamEnded</c> for every <see cref="Endless"/> stream that ends.</summary>
    public Task ObserveStreams() => Groups.AddToGroupAsync(Context.ConnectionId, StreamObservers);

    /// <summary>0 … count-1 through an async iterator.</summary>
    public async IAsyncEnumerable<int> Counter(int count, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return i;
        }

        await Task.CompletedTask;
    }

    /// <summary>0 … count-1 through a bounded channel fed by a producer task.</summary>
    public ChannelReader<int> CounterChannel(int count, CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<int>(16);
        _ = Task.Run(async () =>
        {
            try
            {
                for (var i = 0; i < count; i++)
                {
                    await channel.Writer.WriteAsync(i, cancellationToken);
                }

                channel.Writer.Complete();
            }
            catch (Exception ex)
            {
                channel.Writer.Complete(ex);
            }
        }, CancellationToken.None);
        return channel.Reader;
    }

    /// <summary><see cref="Counter"/> returned through a task.</summary>
    public async Task<IAsyncEnumerable<int>> CounterTask(int count)
    {
        await Task.Yield();
        return Counter(count, CancellationToken.None);
    }

    /// <summary>Items then an error.</summary>
    public async IAsyncEnumerable<int> FailAfter(int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return i;
        }

        await Task.Yield();
        throw new InvalidOperationException("stream failed");
    }

    /// <summary>
    /// Never ends by itself. When its token fires, the caller gets <c>StreamEnded(key, produced, cancelled)</c>, so a
    /// test can see how far the server got after the client cancelled.
    /// </summary>
    public async IAsyncEnumerable<int> Endless(string key, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var produced = 0;
        var caller = Clients.Caller;
        var observers = Clients.Group(StreamObservers);
        try
        {
            while (true)
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
            log.Ended(key, produced, cancellationToken.IsCancellationRequested);
            _ = caller.SendAsync("StreamEnded", key, produced, cancellationToken.IsCancellationRequested);
            _ = observers.SendAsync("StreamEnded", key, produced, cancellationToken.IsCancellationRequested);
        }
    }

    /// <summary>Upload stream through a ChannelReader.</summary>
    public async Task<long> Sum(ChannelReader<int> numbers)
    {
        long sum = 0;
        var count = 0;
        while (await numbers.WaitToReadAsync())
        {
            while (numbers.TryRead(out var n))
            {
                sum += n;
                count++;
            }
        }

        return sum;
    }

    /// <summary>Upload stream through an IAsyncEnumerable, with the item count.</summary>
    public async Task<string> SumAsync(IAsyncEnumerable<int> numbers)
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

    /// <summary>
    /// Two uploads at once: returns both sums. The plain parameter between them is there for the JS client, which
    /// (observed against the official server too) sends the second of two adjacent stream arguments as a plain argument.
    /// </summary>
    public async Task<string> SumBoth(ChannelReader<int> first, string separator, IAsyncEnumerable<int> second)
    {
        var a = Sum(first);
        var b = SumAsync(second);
        return $"{await a}{separator}{await b}";
    }

    /// <summary><see cref="Together"/> for an invocation with an upload stream; drains the upload afterwards.</summary>
    public async Task<string> UploadTogether(ChannelReader<int> numbers, string key, int width)
    {
        var together = await Together(key, width);
        return $"{together}:{await Sum(numbers)}";
    }

    /// <summary>Upload whose error ends up in the result text.</summary>
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
            return $"failed:{count}:{ex.GetType().Name}:{ex.Message}";
        }
    }

    /// <summary>Client result from the caller, awaited inside a hub method.</summary>
    public async Task<string> AskCaller(string question)
    {
        var answer = await Clients.Caller.InvokeAsync<string>("Ask", question, Context.ConnectionAborted);
        return "caller said " + answer;
    }

    /// <summary>Client result from a given connection (Clients.Client), with the outcome as text.</summary>
    public async Task<string> AskClient(string connectionId, string question, int timeoutMs)
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

    /// <summary>Ordering: appends <paramref name="value"/> to the list under <paramref name="key"/> after yielding.</summary>
    public async Task<int> Append(string key, int value)
    {
        var running = log.Enter(key);
        await Task.Yield();
        log.Append(key, value);
        log.Exit(key);
        return running;
    }

    public int[] GetAppended(string key) => log.Appended(key);

    /// <summary>
    /// Concurrency probe: waits until <paramref name="width"/> calls with this key are inside at once (or 5 s pass),
    /// then returns the highest number of calls that were inside together.
    /// </summary>
    public async Task<int> Together(string key, int width)
    {
        var running = log.Enter(key);
        try
        {
            await log.WaitForAsync(key, width, TimeSpan.FromSeconds(5));
            return log.MaxRunning(key);
        }
        finally
        {
            log.Exit(key);
        }
    }
}

/// <summary><see cref="StreamHub"/> with <c>MaximumParallelInvocationsPerClient = 3</c>.</summary>
public sealed class ParallelStreamHub(StreamLog log) : StreamHub(log)
{
}

/// <summary>What the streaming hubs observed, by test key.</summary>
public sealed class StreamLog
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new();

    public void Ended(string key, int produced, bool cancelled)
    {
        var e = Get(key);
        lock (e)
        {
            e.Produced = produced;
            e.Cancelled = cancelled;
        }
    }

    public int Enter(string key)
    {
        var e = Get(key);
        lock (e)
        {
            e.Running++;
            e.MaxRunning = Math.Max(e.MaxRunning, e.Running);
            foreach (var waiter in e.Waiters.Where(w => e.Running >= w.Width).ToList())
            {
                e.Waiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }

            return e.Running;
        }
    }

    public void Exit(string key)
    {
        var e = Get(key);
        lock (e)
        {
            e.Running--;
        }
    }

    public void Append(string key, int value)
    {
        var e = Get(key);
        lock (e)
        {
            e.Values.Add(value);
        }
    }

    public int[] Appended(string key)
    {
        var e = Get(key);
        lock (e)
        {
            return [.. e.Values];
        }
    }

    public int MaxRunning(string key)
    {
        var e = Get(key);
        lock (e)
        {
            return e.MaxRunning;
        }
    }

    public async Task WaitForAsync(string key, int width, TimeSpan timeout)
    {
        var e = Get(key);
        Task wait;
        lock (e)
        {
            if (e.MaxRunning >= width)
            {
                return;
            }

            var waiter = (Width: width, Done: new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            e.Waiters.Add(waiter);
            wait = waiter.Done.Task;
        }

        try
        {
            await wait.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            // The caller asserts on what it observes next; a timeout only ends the wait.
        }
    }

    private Entry Get(string key) => _entries.GetOrAdd(key, _ => new Entry());

    private sealed class Entry
    {
        public int Running;
        public int MaxRunning;
        public int Produced;
        public bool Cancelled;
        public readonly List<int> Values = [];
        public readonly List<(int Width, TaskCompletionSource Done)> Waiters = [];
    }
}
