using System.Runtime.CompilerServices;
using System.Threading.Channels;

// Shared source, like HubConnectionRegistry: compiled into the core (one server's presence) and into
// SignalRLite.StackExchangeRedis (the cluster's), so that both hand out events the same way.
#if SIGNALRLITE_STACKEXCHANGEREDIS
namespace SignalRLite.StackExchangeRedis.Internal.Presence;
#else
namespace SignalRLite.Internal.Presence;
#endif

/// <summary>Where presence events come from: a subscriber is an unbounded channel that the source writes every event to.</summary>
internal interface IPresenceEventSource
{
    /// <summary>From now on, every event is written to <paramref name="writer"/>.</summary>
    void AddSubscriber(ChannelWriter<HubPresenceEvent> writer);

    /// <summary>No more events for <paramref name="writer"/>; the source completes it (what was queued is still read).</summary>
    void RemoveSubscriber(ChannelWriter<HubPresenceEvent> writer);

    /// <summary>A <see cref="IHubPresence{THub}.Subscribe"/> callback threw (logged; the next events still come).</summary>
    void OnCallbackFailed(HubPresenceEventKind kind, Exception exception);
}

/// <summary><see cref="IHubPresence{THub}.WatchAsync"/> and <see cref="IHubPresence{THub}.Subscribe"/> over an <see cref="IPresenceEventSource"/>.</summary>
internal static class PresenceEventStreams
{
    public static IAsyncEnumerable<HubPresenceEvent> Watch(IPresenceEventSource source, CancellationToken cancellationToken)
    {
        // Subscribed here, not at the first MoveNextAsync: the events start when the caller asked for them.
        var channel = Channel.CreateUnbounded<HubPresenceEvent>(new UnboundedChannelOptions { SingleReader = true });
        source.AddSubscriber(channel.Writer);
        return ReadAsync(source, channel, cancellationToken);
    }

    public static IDisposable Subscribe(IPresenceEventSource source, Func<HubPresenceEvent, CancellationToken, Task> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var channel = Channel.CreateUnbounded<HubPresenceEvent>(new UnboundedChannelOptions { SingleReader = true });
        var subscription = new Subscription(source, channel.Writer);
        source.AddSubscriber(channel.Writer);
        subscription.Pump = PumpAsync(source, channel.Reader, callback, subscription.Stopping);
        return subscription;
    }

    private static async IAsyncEnumerable<HubPresenceEvent> ReadAsync(IPresenceEventSource source, Channel<HubPresenceEvent> channel, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var e))
                {
                    yield return e;
                }
            }
        }
        finally
        {
            source.RemoveSubscriber(channel.Writer);
        }
    }

    private static async Task PumpAsync(IPresenceEventSource source, ChannelReader<HubPresenceEvent> reader, Func<HubPresenceEvent, CancellationToken, Task> callback, CancellationToken stopping)
    {
        // Off the thread that produced the event (the registry's lock on one server, the Redis message loop in a cluster).
        await Task.Yield();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var e))
            {
                try
                {
                    await callback(e, stopping).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    source.OnCallbackFailed(e.Kind, ex);
                }
            }
        }
    }

    private sealed class Subscription(IPresenceEventSource source, ChannelWriter<HubPresenceEvent> writer) : IDisposable
    {
        private readonly CancellationTokenSource _stopping = new();

        public CancellationToken Stopping => _stopping.Token;

        public Task? Pump { get; set; }

        public void Dispose()
        {
            if (!_stopping.IsCancellationRequested)
            {
                // Completing the writer lets the pump finish the events already queued, then end.
                source.RemoveSubscriber(writer);
                _stopping.Cancel();
            }
        }
    }
}
