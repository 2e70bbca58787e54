using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SignalRLite.Internal.Transports;
using SignalRLite.Http.Connections;

namespace SignalRLite.Tests.Transports;

public enum HostKind
{
    TestHost,
    Kestrel,
}

/// <summary>Hosts the transport layer alone, mapped at <see cref="Path"/> with a connection delegate (echo by default).</summary>
internal sealed class TransportTestServer : IAsyncDisposable
{
    public const string Path = "/echo";

    private readonly WebApplication _app;

    private TransportTestServer(WebApplication app, HostKind kind, Uri baseAddress, CapturingLoggerProvider? logs, HttpConnectionDispatcherOptions options)
    {
        _app = app;
        Options = options;
        Logs = logs;
        Kind = kind;
        BaseAddress = baseAddress;
        Manager = app.Services.GetRequiredService<HttpConnectionManager>();
    }

    public HostKind Kind { get; }

    /// <summary>Log entries, when started with <c>captureLogs</c> (everything at Trace level).</summary>
    public CapturingLoggerProvider? Logs { get; }

    public Uri BaseAddress { get; }

    public HttpConnectionManager Manager { get; }

    /// <summary>The endpoint's options (as configured at start).</summary>
    public HttpConnectionDispatcherOptions Options { get; }

    /// <summary>The transport layer's clock: the one given at start, else <see cref="System.TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider => Manager.TimeProvider;

    public Uri EndpointUri(string query = "") => new(BaseAddress, Path + query);

    public static async Task EchoAsync(ConnectionContext connection)
    {
        await connection.Transport.Input.CopyToAsync(connection.Transport.Output);
    }

    public static async Task<TransportTestServer> StartAsync(
        HostKind kind,
        Action<HttpConnectionDispatcherOptions>? configure = null,
        ConnectionDelegate? application = null,
        TimeSpan? disconnectTimeout = null,
        bool captureLogs = false,
        bool http2Only = false,
        TimeProvider? timeProvider = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var logs = captureLogs ? new CapturingLoggerProvider() : null;
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
        }
        if (kind == HostKind.TestHost)
        {
            builder.WebHost.UseTestServer();
        }
        else
        {
            builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l =>
            {
                if (http2Only)
                {
                    l.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2;
                }
            }));
        }

        if (timeProvider is not null)
        {
            // The transport layer's clock only: the host (Kestrel's timeouts, shutdown) keeps the real one.
            builder.Services.AddSingleton(sp => ActivatorUtilities.CreateInstance<HttpConnectionManager>(sp, timeProvider));
        }

        builder.Services.AddSignalRLiteConnections();
        builder.Services.Configure<ConnectionOptions>(o => o.DisconnectTimeout = disconnectTimeout ?? TimeSpan.FromSeconds(15));
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        services?.Invoke(builder.Services);
        var app = builder.Build();

        var options = new HttpConnectionDispatcherOptions();
        configure?.Invoke(options);
        var connectionDelegate = application ?? EchoAsync;
        var dispatcher = app.Services.GetRequiredService<HttpConnectionDispatcher>();
        app.Map(Path + "/negotiate", (RequestDelegate)(ctx => dispatcher.ExecuteNegotiateAsync(ctx, options)));
        app.Map(Path, (RequestDelegate)(ctx => dispatcher.ExecuteAsync(ctx, options, connectionDelegate)));

        await app.StartAsync();
        Uri baseAddress;
        if (kind == HostKind.TestHost)
        {
            baseAddress = app.GetTestServer().BaseAddress;
        }
        else
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            baseAddress = new Uri(address.Replace("[::1]", "127.0.0.1"));
        }

        return new TransportTestServer(app, kind, baseAddress, logs, options);
    }

    public HttpClient CreateClient()
    {
        if (Kind == HostKind.TestHost)
        {
            var client = _app.GetTestServer().CreateClient();
            client.Timeout = TimeSpan.FromSeconds(30);
            return client;
        }

        return new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public async Task<WebSocket> ConnectWebSocketAsync(string query = "", CancellationToken cancellationToken = default)
    {
        var uri = new UriBuilder(EndpointUri(query)) { Scheme = BaseAddress.Scheme == "https" ? "wss" : "ws" }.Uri;
        if (Kind == HostKind.TestHost)
        {
            return await _app.GetTestServer().CreateWebSocketClient().ConnectAsync(uri, cancellationToken);
        }

        var socket = new ClientWebSocket();
        await socket.ConnectAsync(uri, cancellationToken);
        return socket;
    }

    /// <summary>Waits until the registry holds <paramref name="count"/> connections (woken by the manager's CountChanged event).</summary>
    public Task WaitForConnectionCountAsync(int count, TimeSpan? timeout = null) => WaitForConnectionCountAsync(Manager, count, timeout);

    /// <summary>Waits until <paramref name="manager"/> holds <paramref name="count"/> connections (woken by its CountChanged event).</summary>
    public static async Task WaitForConnectionCountAsync(HttpConnectionManager manager, int count, TimeSpan? timeout = null)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check()
        {
            if (manager.Count == count)
            {
                reached.TrySetResult();
            }
        }

        manager.CountChanged += Check;
        try
        {
            Check(); // after subscribing: a change in between is not missed
            await reached.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Expected {count} connections, have {manager.Count}.");
        }
        finally
        {
            manager.CountChanged -= Check;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
