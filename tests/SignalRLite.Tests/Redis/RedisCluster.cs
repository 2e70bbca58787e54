using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.StackExchangeRedis;
using SignalRLite.Tests.Infrastructure;
using SignalRLite.Tests.Interop;
using StackExchange.Redis;

namespace SignalRLite.Tests.Redis;

public enum WireProtocol
{
    Json,
    MessagePack,
}

/// <summary>
/// Several SignalRLite servers (Kestrel on 127.0.0.1, port 0) sharing one Redis through the backplane, with a channel
/// prefix of their own so that tests running in parallel on the same Redis do not see each other.
/// </summary>
internal sealed class RedisCluster : IAsyncDisposable
{
    private RedisCluster(string endpoint, string prefix, HubAppHost[] servers)
    {
        Endpoint = endpoint;
        Prefix = prefix;
        Servers = servers;
    }

    public string Endpoint { get; }

    public string Prefix { get; }

    public HubAppHost[] Servers { get; }

    public static async Task<RedisCluster> StartAsync(int count, string? endpoint = null, Action<RedisOptions>? configure = null)
    {
        endpoint ??= await RedisServer.GetSharedEndpointAsync();
        var prefix = "t" + Guid.NewGuid().ToString("N")[..10];
        var servers = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => StartServerAsync(endpoint, prefix, configure)));
        return new RedisCluster(endpoint, prefix, servers);
    }

    public static Task<HubAppHost> StartServerAsync(string endpoint, string prefix, Action<RedisOptions>? configure = null) =>
        HubAppHost.StartAsync(
            HubHostKind.Kestrel,
            s => s.AddSignalRLite(o => o.EnableDetailedErrors = true)
                .AddMessagePackProtocol()
                .AddStackExchangeRedis(endpoint, o =>
                {
                    o.Configuration.ChannelPrefix = RedisChannel.Literal(prefix);
                    o.Configuration.ConnectTimeout = 2000;
                    o.Configuration.AsyncTimeout = 2000;
                    o.Configuration.SyncTimeout = 2000;
                    configure?.Invoke(o);
                }),
            app => app.MapHub<RedisTestHub>("/hub"));

    /// <summary>The full Redis channel name of a hub channel (<c>all</c>, <c>g:name</c>, <c>u:name</c>, ...).</summary>
    public string Channel(string name) => Prefix + typeof(RedisTestHub).FullName + ":" + name;

    public async Task<long> SubscriberCountAsync(string name)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(Endpoint);
        var result = (RedisResult[])(await redis.GetServer(redis.GetEndPoints()[0]).ExecuteAsync("PUBSUB", "NUMSUB", Channel(name)))!;
        return (long)result[1];
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in Servers)
        {
            try
            {
                await server.DisposeAsync();
            }
            catch (ObjectDisposedException)
            {
                // A test stopped this server itself.
            }
        }
    }
}

/// <summary>An official client attached to one of the servers, with its inbox and connection id.</summary>
internal sealed class ClusterClient
{
    private ClusterClient(HubConnection connection)
    {
        Connection = connection;
        Inbox = new Inbox(connection);
    }

    public HubConnection Connection { get; }

    public string Id { get; private set; } = "";

    public Inbox Inbox { get; }

    public static async Task<ClusterClient> ConnectAsync(HubAppHost server, WireProtocol protocol, string? user = null, Action<HubConnection>? handlers = null)
    {
        var connection = server.CreateClient("/hub", user: user, configure: b =>
        {
            if (protocol == WireProtocol.MessagePack)
            {
                b.AddMessagePackProtocol();
            }
        });
        var client = new ClusterClient(connection);
        handlers?.Invoke(connection);
        await connection.StartAsync().WaitAsync(TestConnection.DefaultTimeout);
        client.Id = await connection.InvokeAsync<string>("GetId").WaitAsync(TestConnection.DefaultTimeout);
        return client;
    }
}
