using System.Net;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ClientTransport = Microsoft.AspNetCore.Http.Connections.HttpTransportType;

namespace SignalRLite.Tests.Infrastructure;

public enum HubHostKind
{
    TestHost,
    Kestrel,
}

/// <summary>
/// A web app running SignalRLite hubs in-process (TestServer, or Kestrel on 127.0.0.1 with a free port), and official
/// .NET clients connected to it. Requests carrying <c>Authorization: Bearer &lt;name&gt;</c> (or <c>access_token</c>)
/// are authenticated as that user by the "Test" scheme.
/// </summary>
internal sealed class HubAppHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<HubConnection> _clients = [];

    private HubAppHost(WebApplication app, HubHostKind kind, Uri baseAddress)
    {
        _app = app;
        Kind = kind;
        BaseAddress = baseAddress;
    }

    public HubHostKind Kind { get; }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<HubAppHost> StartAsync(
        HubHostKind kind,
        Action<IServiceCollection> configureServices,
        Action<WebApplication> configureApp)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (kind == HubHostKind.TestHost)
        {
            builder.WebHost.UseTestServer();
        }
        else
        {
            builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        }

        builder.Services.AddAuthentication("Test").AddScheme<AuthenticationSchemeOptions, TestAuthHandler>("Test", null);
        builder.Services.AddAuthorization();
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        configureServices(builder.Services);
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        configureApp(app);
        await app.StartAsync();

        Uri baseAddress = kind == HubHostKind.TestHost
            ? app.GetTestServer().BaseAddress
            : new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("[::1]", "127.0.0.1"));
        return new HubAppHost(app, kind, baseAddress);
    }

    /// <summary>An official client for <paramref name="path"/> (not started).</summary>
    public HubConnection CreateClient(
        string path,
        ClientTransport transport = ClientTransport.WebSockets,
        string? user = null,
        Action<IHubConnectionBuilder>? configure = null,
        bool skipNegotiation = false)
    {
        var url = new Uri(BaseAddress, path);
        var builder = new HubConnectionBuilder().WithUrl(url, transport, o =>
        {
            o.SkipNegotiation = skipNegotiation;
            if (user is not null)
            {
                o.AccessTokenProvider = () => Task.FromResult<string?>(user);
            }

            if (Kind == HubHostKind.TestHost)
            {
                var server = _app.GetTestServer();
                o.HttpMessageHandlerFactory = _ => server.CreateHandler();
                o.WebSocketFactory = async (context, cancellationToken) =>
                {
                    var client = server.CreateWebSocketClient();
                    if (user is not null)
                    {
                        client.ConfigureRequest = r => r.Headers.Authorization = "Bearer " + user;
                    }

                    return await client.ConnectAsync(context.Uri, cancellationToken);
                };
            }
        });
        builder.Services.AddLogging(l => l.ClearProviders());
        configure?.Invoke(builder);
        var connection = builder.Build();
        lock (_clients)
        {
            _clients.Add(connection);
        }

        return connection;
    }

    /// <summary>Creates and starts an official client.</summary>
    public async Task<HubConnection> ConnectAsync(string path, ClientTransport transport = ClientTransport.WebSockets, string? user = null, Action<IHubConnectionBuilder>? configure = null)
    {
        var connection = CreateClient(path, transport, user, configure);
        await connection.StartAsync().WaitAsync(TestConnection.DefaultTimeout);
        await WaitUntilRegisteredAsync(path, connection);
        return connection;
    }

    /// <summary>
    /// Both servers answer the handshake before they register the connection for sends (to all, a user, by id):
    /// OfficialRegistrationOrderComparisonTests. A test that sends right after start waits here until the hub's
    /// default lifetime manager knows the connection, or the connection ended. The registry raises no event: polled.
    /// </summary>
    public async Task WaitUntilRegisteredAsync(string path, HubConnection connection)
    {
        if (connection.ConnectionId is not { } id || FindRegistry(path) is not { } registry)
        {
            return; // skip-negotiation (no id), or a lifetime manager of its own (the Redis one, a test's)
        }

        await TestWaits.UntilAsync(
            () => registry.TryGetConnection(id, out _) || connection.State != HubConnectionState.Connected,
            $"connection {id} was never registered with the lifetime manager of {path}");
    }

    /// <summary>The connection registry of the default lifetime manager of the hub mapped at <paramref name="path"/>, if any.</summary>
    private SignalRLite.Internal.Hubs.HubConnectionRegistry? FindRegistry(string path)
    {
        var hubType = ((Microsoft.AspNetCore.Routing.IEndpointRouteBuilder)_app).DataSources
            .SelectMany(d => d.Endpoints)
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e => string.Equals("/" + e.RoutePattern.RawText?.TrimStart('/'), "/" + path.Split('?')[0].TrimStart('/'), StringComparison.OrdinalIgnoreCase))
            .Select(e => e.Metadata.GetMetadata<HubMetadata>()?.HubType)
            .FirstOrDefault(t => t is not null);
        if (hubType is null)
        {
            return null;
        }

        var manager = _app.Services.GetService(typeof(HubLifetimeManager<>).MakeGenericType(hubType));
        return manager?.GetType().GetProperty("Registry", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)?.GetValue(manager)
            as SignalRLite.Internal.Hubs.HubConnectionRegistry;
    }

    /// <summary>A raw WebSocket to <paramref name="path"/> (skip-negotiation style), for sending bytes no official client would send.</summary>
    public async Task<WebSocket> ConnectRawWebSocketAsync(string path)
    {
        var uri = new UriBuilder(new Uri(BaseAddress, path)) { Scheme = BaseAddress.Scheme == "https" ? "wss" : "ws" }.Uri;
        if (Kind == HubHostKind.TestHost)
        {
            return await _app.GetTestServer().CreateWebSocketClient().ConnectAsync(uri, CancellationToken.None);
        }

        var socket = new ClientWebSocket();
        await socket.ConnectAsync(uri, CancellationToken.None);
        return socket;
    }

    public HttpClient CreateHttpClient() => Kind == HubHostKind.TestHost
        ? _app.GetTestServer().CreateClient()
        : new HttpClient { BaseAddress = BaseAddress };

    /// <summary>Stops the web app (the host's shutdown, as on a deployment) and leaves the clients as they are.</summary>
    public Task StopServerAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        HubConnection[] clients;
        lock (_clients)
        {
            clients = [.. _clients];
        }

        foreach (var client in clients)
        {
            try
            {
                await client.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception)
            {
                // Best effort: a test may have broken the connection on purpose.
            }
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class TestAuthHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            string? user = null;
            var header = Request.Headers.Authorization.ToString();
            if (header.StartsWith("Bearer ", StringComparison.Ordinal))
            {
                user = header["Bearer ".Length..];
            }
            else if (Request.Query.TryGetValue("access_token", out var token))
            {
                user = token;
            }

            if (string.IsNullOrEmpty(user))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, user), new Claim(ClaimTypes.Name, user)], "Test");
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), "Test")));
        }
    }
}
