using System.Diagnostics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace SignalRLite.StackExchangeRedis.Internal;

/// <summary>
/// One server's link to Redis: the connection (made on first use), publishing, and the channel subscriptions, each
/// handled one message at a time in Redis's order. Thread-safe.
/// </summary>
/// <remarks>
/// No lock is ever held across a round trip to Redis: a slow or dead Redis must not stall connects, disconnects and
/// group changes of unrelated channels behind one lock. Instead:
/// <list type="bullet">
/// <item>Connecting is single-flight: the first caller starts it, the others await the same task (<see cref="_connecting"/>).</item>
/// <item>
/// Subscription changes of one channel run one after another, chained in the order they were asked for
/// (<see cref="_tails"/>, under <see cref="_lock"/>, which guards only that dictionary). Each step asks the caller's
/// predicate whether the channel is wanted <em>when the step runs</em> and subscribes or unsubscribes to match. So
/// however membership changes race with each other, the step chained after the last change sees that change: the
/// channel ends subscribed exactly when a local connection still needs it. And a caller that awaits its step knows
/// the subscription matches what it saw after its own change (a joiner can be reached through Redis from then on).
/// </item>
/// </list>
/// Invariant (under <see cref="_lock"/>): a task in <see cref="_tails"/> is the last step chained for its channel and
/// has not finished removing itself; <see cref="_subscriptions"/> of a channel changes only inside that channel's steps
/// (and in <see cref="Dispose"/>).
/// </remarks>
internal sealed class RedisBus : IDisposable
{
    private readonly ILogger _logger;
    private readonly RedisOptions _options;
    private readonly string _serverName;
    private readonly string _serverChannel;
    private readonly Func<ReadOnlyMemory<byte>, Task> _onServerMessage;
    private readonly RedisTelemetry _telemetry;
    private readonly Dictionary<string, Task> _tails = new(StringComparer.Ordinal); // guarded by _lock
    private readonly Lock _lock = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ChannelMessageQueue> _subscriptions = new(StringComparer.Ordinal);
    private Task<ISubscriber>? _connecting;
    private IConnectionMultiplexer? _redis;
    private ISubscriber? _bus;
    private volatile bool _disposed;

    public RedisBus(ILogger logger, RedisOptions options, string serverName, string serverChannel, Func<ReadOnlyMemory<byte>, Task> onServerMessage, RedisTelemetry telemetry)
    {
        _telemetry = telemetry;
        _logger = logger;
        _options = options;
        _serverName = serverName;
        _serverChannel = serverChannel;
        _onServerMessage = onServerMessage;
    }

    /// <summary>The connected subscriber; connects (and subscribes to this server's channel) on first use.</summary>
    public ValueTask<ISubscriber> GetAsync()
    {
        if (Volatile.Read(ref _bus) is { } bus)
        {
            return new(bus);
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        var connecting = Volatile.Read(ref _connecting);
        if (connecting is null)
        {
            var start = new TaskCompletionSource<ISubscriber>(TaskCreationOptions.RunContinuationsAsynchronously);
            connecting = Interlocked.CompareExchange(ref _connecting, start.Task, null);
            if (connecting is null)
            {
                _ = ConnectAsync(start);
                connecting = start.Task;
            }
        }

        return new(connecting);
    }

    public bool IsSubscribed(string channel) => _subscriptions.ContainsKey(channel);

    /// <summary>
    /// Makes the subscription of <paramref name="channel"/> match <paramref name="wanted"/>, after every change asked
    /// for before (see the remarks). Throws what subscribing throws; later steps run regardless.
    /// </summary>
    public async Task ReconcileAsync(string channel, Func<bool> wanted, Func<ReadOnlyMemory<byte>, Task> handler)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task previous;
        lock (_lock)
        {
            previous = _tails.GetValueOrDefault(channel) ?? Task.CompletedTask;
            _tails[channel] = done.Task;
        }

        try
        {
            // Never faults: every step completes its own task in its finally.
            await previous.ConfigureAwait(false);
            var want = wanted();
            if (want && !_subscriptions.ContainsKey(channel))
            {
                await SubscribeAsync(await GetAsync().ConfigureAwait(false), channel, handler).ConfigureAwait(false);
            }
            else if (!want)
            {
                await UnsubscribeAsync(channel).ConfigureAwait(false);
            }
        }
        finally
        {
            lock (_lock)
            {
                if (_tails.TryGetValue(channel, out var tail) && tail == done.Task)
                {
                    _tails.Remove(channel);
                }

                AssertInvariants();
            }

            done.SetResult();
        }
    }

    /// <summary>Subscribes a channel that only its one owner changes (a connection's own channel).</summary>
    public async Task SubscribeAsync(string channel, Func<ReadOnlyMemory<byte>, Task> handler) =>
        await SubscribeAsync(await GetAsync().ConfigureAwait(false), channel, handler).ConfigureAwait(false);

    public async Task UnsubscribeAsync(string channel)
    {
        if (!_subscriptions.TryRemove(channel, out var queue))
        {
            return;
        }

        RedisLog.Unsubscribing(_logger, channel);
        try
        {
            await queue.UnsubscribeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            RedisLog.UnsubscribeFailed(_logger, channel, ex);
        }
    }

    /// <summary>Publishes; returns how many servers received it. Failures are logged and thrown; successes are counted as <paramref name="kind"/>.</summary>
    public async Task<long> PublishAsync(string channel, byte[] payload, RedisChannelKind kind)
    {
        var bus = await GetAsync().ConfigureAwait(false);
        try
        {
            var start = _telemetry.StartPublish();
            var receivers = await bus.PublishAsync(RedisChannel.Literal(channel), payload).ConfigureAwait(false);
            _telemetry.Published(kind, start);
            return receivers;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            RedisLog.PublishFailed(_logger, channel, ex);
            _telemetry.PublishFailed(kind, ex);
            throw;
        }
    }

    /// <summary>Publishes a reply another server waits for; a failure is only logged (that server times out).</summary>
    public async Task TryPublishAsync(string channel, byte[] payload, RedisChannelKind kind)
    {
        try
        {
            await PublishAsync(channel, payload, kind).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Logged by PublishAsync.
        }
    }

    /// <summary>Unsubscribes every channel, and closes the Redis connection unless it came from <see cref="RedisOptions.ConnectionFactory"/>.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;

        // Fire-and-forget: shutdown does not wait for a Redis that may be down. Only this manager's channels are
        // unsubscribed; a connection that came from ConnectionFactory belongs to the application and stays open.
        foreach (var (channel, queue) in _subscriptions)
        {
            try
            {
                queue.Unsubscribe(CommandFlags.FireAndForget);
            }
            catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
            {
                RedisLog.UnsubscribeFailed(_logger, channel, ex);
            }
        }

        _subscriptions.Clear();
        if (_options.ConnectionFactory is null)
        {
            Volatile.Read(ref _redis)?.Dispose();
        }
    }

    private async Task ConnectAsync(TaskCompletionSource<ISubscriber> result)
    {
        try
        {
            RedisLog.ConnectingToEndpoints(_logger, string.Join(", ", _options.Configuration.EndPoints.Select(e => e.ToString())), _serverName);
            using var log = new StringWriter();
            var redis = await _options.ConnectAsync(log).ConfigureAwait(false);
            redis.ConnectionFailed += (_, e) => RedisLog.ConnectionFailed(_logger, e.FailureType, e.ConnectionType, e.EndPoint?.ToString(), e.Exception);
            redis.ConnectionRestored += (_, e) =>
            {
                RedisLog.ConnectionRestored(_logger, e.ConnectionType, e.EndPoint?.ToString());

                // One per endpoint for the pub/sub link the backplane lives on (the interactive link is restored too).
                if (e.ConnectionType == ConnectionType.Subscription)
                {
                    _telemetry.Reconnected();
                }
            };
            redis.ErrorMessage += (_, e) => RedisLog.RedisError(_logger, e.Message);
            if (redis.IsConnected)
            {
                RedisLog.Connected(_logger);
            }

            Volatile.Write(ref _redis, redis);
            var subscriber = redis.GetSubscriber();
            await SubscribeAsync(subscriber, _serverChannel, _onServerMessage).ConfigureAwait(false);
            Volatile.Write(ref _bus, subscriber);
            result.SetResult(subscriber);
        }
        catch (Exception ex)
        {
            // The next caller tries again; those waiting now get this failure.
            Volatile.Write(ref _connecting, null);
            result.SetException(ex);
        }
    }

    private async Task SubscribeAsync(ISubscriber bus, string channel, Func<ReadOnlyMemory<byte>, Task> handler)
    {
        RedisLog.Subscribing(_logger, channel);
        var queue = await bus.SubscribeAsync(RedisChannel.Literal(channel)).ConfigureAwait(false);
        _subscriptions[channel] = queue;

        // Messages of one channel are handled one at a time, in the order Redis delivered them. Without the execution
        // context of whoever subscribed first: its activity and scopes have nothing to do with later messages.
        using (ExecutionContext.SuppressFlow())
        {
            queue.OnMessage(async message =>
            {
                try
                {
                    await handler((ReadOnlyMemory<byte>)message.Message).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    RedisLog.ReceiveFailed(_logger, channel, ex);
                }
            });
        }
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        foreach (var (channel, tail) in _tails)
        {
            Debug.Assert(!tail.IsCompleted, $"The finished step of '{channel}' did not remove itself.");
        }
    }
}
