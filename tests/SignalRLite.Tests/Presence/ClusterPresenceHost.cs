using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Infrastructure;
using StackExchange.Redis;

namespace SignalRLite.Tests.Presence;

public sealed class ClusterPresenceHub : Hub
{
    public string Id() => Context.ConnectionId;

    public Task Join(string group) => Groups.AddToGroupAsync(Context.ConnectionId, group);

    public Task Leave(string group) => Groups.RemoveFromGroupAsync(Context.ConnectionId, group);

    // The transport's request dies (as when a network drops): the client sees the connection lost and reconnects.
    public void Drop() => Context.GetHttpContext()!.Abort();
}

/// <summary>In-process servers of one cluster: Kestrel, the Redis backplane, presence and durable groups on.</summary>
internal static class ClusterPresenceHost
{
    /// <summary>Starts a server and waits until its presence has reached Redis (its first query answers).</summary>
    public static async Task<HubAppHost> StartAsync<THub>(string endpoint, string prefix, TimeSpan expiry) where THub : Hub
    {
        var host = await StartHostAsync<THub>(endpoint, prefix, expiry);
        await host.Presence<THub>().GetConnectionCountAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        return host;
    }

    private static Task<HubAppHost> StartHostAsync<THub>(string endpoint, string prefix, TimeSpan expiry) where THub : Hub =>
        HubAppHost.StartAsync(
            HubHostKind.Kestrel,
            s => s.AddSignalRLite(o => o.EnableDetailedErrors = true)
                .AddHubPresence()
                .AddDurableGroups()
                .AddStackExchangeRedis(endpoint, o =>
                {
                    o.Configuration.ChannelPrefix = RedisChannel.Literal(prefix);
                    o.Configuration.AbortOnConnectFail = false;
                    o.Configuration.ConnectTimeout = 2000;
                    o.Configuration.AsyncTimeout = 2000;
                    o.Configuration.SyncTimeout = 2000;
                    o.Configuration.ReconnectRetryPolicy = new LinearRetry(250);
                    o.PresenceExpiry = expiry;
                }),
            app => app.MapHub<THub>("/hub"));

    public static IHubPresence<THub> Presence<THub>(this HubAppHost host) where THub : Hub =>
        host.Services.GetRequiredService<IHubPresence<THub>>();

    /// <summary>
    /// An official client over WebSockets (no negotiation) whose every connect, the automatic reconnects included, goes
    /// to the server <paramref name="target"/> names at that moment: a load balancer that moves the user.
    /// </summary>
    public static HubConnection RoutedClient(Func<HubAppHost> target, string user)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl("http://cluster.invalid/hub", HttpTransportType.WebSockets, o =>
            {
                o.SkipNegotiation = true;
                o.WebSocketFactory = async (context, cancellationToken) =>
                {
                    var server = target().BaseAddress;
                    var uri = new UriBuilder(context.Uri) { Host = server.Host, Port = server.Port }.Uri;
                    var socket = new ClientWebSocket();
                    socket.Options.SetRequestHeader("Authorization", "Bearer " + user);
                    await socket.ConnectAsync(uri, cancellationToken);
                    return socket;
                };
            })
            .WithAutomaticReconnect([TimeSpan.Zero, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)])
            .Build();
        return connection;
    }
}

/// <summary>The presence events one server delivers to a <c>WatchAsync</c> reader, kept in order.</summary>
internal sealed class PresenceRecorder : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<HubPresenceEvent> _events = []; // guarded by itself
    private readonly Channel<HubPresenceEvent> _arrivals = Channel.CreateUnbounded<HubPresenceEvent>();
    private readonly Task _reading;

    public PresenceRecorder(IAsyncEnumerable<HubPresenceEvent> events) => _reading = ReadAsync(events);

    public List<HubPresenceEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Waits until <paramref name="count"/> events in all have arrived (each one announces itself).</summary>
    public async Task<List<HubPresenceEvent>> WaitForAsync(int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (Events.Count < count)
            {
                await _arrivals.Reader.WaitToReadAsync(cts.Token);
                while (_arrivals.Reader.TryRead(out _))
                {
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{count} presence events expected, {Events.Count} arrived: {string.Join(", ", Events.Select(e => e.Kind + " " + e.ConnectionId + " " + e.GroupName))}");
        }

        return Events;
    }

    /// <summary>Waits for an event that matches.</summary>
    public async Task<HubPresenceEvent> WaitForAsync(Func<HubPresenceEvent, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                if (Events.FirstOrDefault(match) is { } found)
                {
                    return found;
                }

                await _arrivals.Reader.WaitToReadAsync(cts.Token);
                while (_arrivals.Reader.TryRead(out _))
                {
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The awaited presence event did not arrive: {string.Join(", ", Events.Select(e => e.Kind + " " + e.ConnectionId + " " + e.GroupName))}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            await _reading;
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ReadAsync(IAsyncEnumerable<HubPresenceEvent> events)
    {
        await foreach (var e in events.WithCancellation(_stop.Token))
        {
            lock (_events)
            {
                _events.Add(e);
            }

            _arrivals.Writer.TryWrite(e);
        }
    }
}
