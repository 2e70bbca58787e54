using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SignalRLite.Tests.Infrastructure;
using ClientTransport = Microsoft.AspNetCore.Http.Connections.HttpTransportType;

namespace SignalRLite.Tests.Security;

/// <summary>
/// Authentication refresh (.NET 11) and the expiry check of <c>HubOptions.ExpiredAuthorization</c> are opt-in: with
/// the defaults a 10.x client sees the official .NET 10 server (asserted against it), and with them on a 10.x client
/// still works. The 11.0 client's side is tests/SignalRLite.Client11.Tests.
/// </summary>
[Trait("Category", "Integration")]
public class AuthenticationRefreshGatingTests
{
    public static TheoryData<bool> Servers => new() { true, false };

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task WithoutEnableAuthenticationRefreshNegotiateIsUnchangedAndRefreshIsNotFound(bool official)
    {
        await using var server = await AuthTestServer.StartAsync(official);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        // An expiring ticket on an endpoint that closes on expiry: the case where the server knows a token lifetime.
        var negotiate = await SendAsync(http, "/expiring/negotiate?negotiateVersion=1", "dave@60000");
        Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);
        using var body = JsonDocument.Parse(await negotiate.Content.ReadAsStringAsync());
        Assert.Equal(["negotiateVersion", "connectionId", "connectionToken", "availableTransports"], body.RootElement.EnumerateObject().Select(p => p.Name));
        var token = body.RootElement.GetProperty("connectionToken").GetString()!;

        // The request the 11.0 client sends: no endpoint there.
        var refresh = await SendAsync(http, "/expiring/refresh", "dave@60000", token);
        Assert.Equal(HttpStatusCode.NotFound, refresh.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(http, "/expiring/refresh?id=" + token, "dave@60000")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task ByDefaultAnAuthorizeMethodRunsAfterTheTicketExpired(bool official)
    {
        // The official server authorizes the principal it cached at connect, whatever its expiry (dotnet/aspnetcore#39934).
        await using var server = await AuthTestServer.StartAsync(official);
        var client = await server.ConnectAsync("/method", "dave@-60000");
        Assert.Equal("secret", await client.InvokeAsync<string>("Secret"));
    }

    [Fact]
    public async Task A10xClientWorksOnAnEndpointWithRefreshEnabled()
    {
        await using var server = await AuthTestServer.StartAsync(official: false, app =>
            app.MapHub<MethodAuthHub>("/refreshing", o => o.EnableAuthenticationRefresh = true));
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var body = JsonDocument.Parse(await (await SendAsync(http, "/refreshing/negotiate?negotiateVersion=1", "dave@60000")).Content.ReadAsStringAsync());
        Assert.InRange(body.RootElement.GetProperty("tokenLifetimeSeconds").GetInt32(), 50, 60);

        foreach (var transport in new[] { ClientTransport.WebSockets, ClientTransport.ServerSentEvents, ClientTransport.LongPolling })
        {
            var client = await server.ConnectAsync("/refreshing", "dave@60000", transport);
            Assert.Equal("secret", await client.InvokeAsync<string>("Secret"));
            Assert.Equal("dave", await client.InvokeAsync<string>("WhoAmI"));
        }
    }

    [Fact]
    public async Task RefuseRefusesAuthorizeMethodsOnceTheTicketExpiredAndKeepsTheConnection()
    {
        await using var app = await StartAsync(ExpiredAuthorizationBehavior.Refuse);
        await using var client = CreateClient(app, () => "dave@-1000");
        await client.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));

        var ex = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => client.InvokeAsync<string>("Secret"));
        Assert.Equal("Failed to invoke 'Secret' because user is unauthorized", ex.Message);
        Assert.Equal("public", await client.InvokeAsync<string>("Public"));
        Assert.Equal(HubConnectionState.Connected, client.State);

        // A ticket that has not expired passes.
        await using var fresh = CreateClient(app, () => "erin@60000");
        await fresh.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("secret", await fresh.InvokeAsync<string>("Secret"));
    }

    [Fact]
    public async Task CloseWithReconnectClosesSoThatTheClientReconnectsWithAFreshToken()
    {
        await using var app = await StartAsync(ExpiredAuthorizationBehavior.CloseWithReconnect);
        var tokens = 0;
        // The first token (negotiate and transport) has expired; the reconnect gets a lasting one.
        await using var client = CreateClient(app, () => Interlocked.Increment(ref tokens) <= 2 ? "dave@-1000" : "dave", reconnect: true);
        var reconnected = new Signal<string?>();
        client.Reconnected += id => { reconnected.TrySetResult(id); return Task.CompletedTask; };
        await client.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));

        // The invocation does not run; the connection closes with reconnect allowed.
        await Assert.ThrowsAnyAsync<Exception>(() => client.InvokeAsync<string>("Secret"));
        await reconnected.WaitAsync();
        Assert.Equal("secret", await client.InvokeAsync<string>("Secret"));
    }

    [Fact]
    public void TheRefreshOptionsAreOffByDefaultAndTheMaximumExpirationMustBePositive()
    {
        var options = new SignalRLite.Http.Connections.HttpConnectionDispatcherOptions();
        Assert.False(options.EnableAuthenticationRefresh);
        Assert.Null(options.MaximumAuthenticationExpiration);
        Assert.Null(options.OnAuthenticationRefresh);
        Assert.Equal(ExpiredAuthorizationBehavior.Allow, new HubOptions().ExpiredAuthorization);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaximumAuthenticationExpiration = TimeSpan.Zero);
        options.MaximumAuthenticationExpiration = TimeSpan.FromMinutes(1);
        options.MaximumAuthenticationExpiration = null;
        Assert.Null(options.MaximumAuthenticationExpiration);
    }

    private static async Task<WebApplication> StartAsync(ExpiredAuthorizationBehavior behavior)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Services.AddAuthentication("Test").AddScheme<AuthenticationSchemeOptions, AuthTestServer.TokenAuthHandler>("Test", null);
        builder.Services.AddAuthorization(o => o.AddPolicy("admins", p => p.RequireRole("admin")));
        builder.Services.AddSignalRLite(o => o.ExpiredAuthorization = behavior);
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapHub<MethodAuthHub>("/method");
        await app.StartAsync();
        return app;
    }

    private static HubConnection CreateClient(WebApplication app, Func<string> token, bool reconnect = false)
    {
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(address, "/method"), ClientTransport.WebSockets, o => o.AccessTokenProvider = () => Task.FromResult<string?>(token()))
            .ConfigureLogging(l => l.ClearProviders());
        if (reconnect)
        {
            builder.WithAutomaticReconnect([TimeSpan.Zero, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)]);
        }

        return builder.Build();
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, string url, string token, string? connectionToken = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (connectionToken is not null)
        {
            request.Headers.Add("X-SignalR-Connection-Token", connectionToken);
        }

        return await http.SendAsync(request);
    }
}
