using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SignalRLite.Tests.Infrastructure;

/// <summary>The hub runtime of one hub type built from DI without HTTP; connections are in-memory <see cref="TestConnection"/>s.</summary>
internal sealed class InMemoryHubServer<THub> : IAsyncDisposable where THub : Hub
{
    public const string JsonHandshake = "{\"protocol\":\"json\",\"version\":1}\u001e";

    private InMemoryHubServer(ServiceProvider services)
    {
        Services = services;
        Handler = services.GetRequiredService<HubConnectionHandler<THub>>();
    }

    public ServiceProvider Services { get; }

    public HubConnectionHandler<THub> Handler { get; }

    public IHubContext<THub> HubContext => Services.GetRequiredService<IHubContext<THub>>();

    public static InMemoryHubServer<THub> Create(
        Action<HubOptions>? configure = null,
        Action<IServiceCollection>? services = null,
        Action<ISignalRServerBuilder>? builder = null)
    {
        var collection = new ServiceCollection();
        collection.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        var signalR = configure is null ? collection.AddSignalRLite() : collection.AddSignalRLite(configure);
        builder?.Invoke(signalR);
        services?.Invoke(collection);
        return new InMemoryHubServer<THub>(collection.BuildServiceProvider());
    }

    /// <summary>Starts the hub layer on a new connection; with <paramref name="handshake"/>, completes a JSON handshake first.</summary>
    public async Task<TestConnection> ConnectAsync(bool handshake = true, ClaimsPrincipal? user = null, TestConnection? connection = null)
    {
        connection ??= new TestConnection();
        connection.User = user;
        connection.HandlerTask = Task.Run(() => Handler.OnConnectedAsync(connection));
        if (handshake)
        {
            await connection.SendAsync(JsonHandshake);
            var response = await connection.ReadMessageAsync();
            Assert.Equal("{}", response);

            // The handler registers the connection with the lifetime manager after it answered the handshake (as the
            // official server does): a send to all right after the answer may not reach it yet. The registry raises no
            // event: polled, until the connection is registered or its handler ended (refused after the handshake).
            if (Services.GetRequiredService<HubLifetimeManager<THub>>() is DefaultHubLifetimeManager<THub> manager)
            {
                await TestWaits.UntilAsync(
                    () => manager.Registry.TryGetConnection(connection.ConnectionId, out _) || connection.HandlerTask.IsCompleted,
                    "the connection was never registered with the lifetime manager");
            }
        }

        return connection;
    }

    public async ValueTask DisposeAsync() => await Services.DisposeAsync();
}
