using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using SignalRLite.Tests.Security;

namespace SignalRLite.Tests.Browser;

public class CorsHub : Hub
{
    public string Echo(string text) => text;

    public string? WhoAmI() => Context.UserIdentifier;
}

/// <summary>
/// The official JavaScript client (10.0.11) in headless Debian chromium, on a page of one origin (Kestrel at
/// 127.0.0.1:A) connecting to hubs of another origin (Kestrel at 127.0.0.1:B). The hub app allows the page's origin
/// with credentials on some hubs only, and uses JwtBearer with the token in <c>access_token</c> for WebSockets/SSE.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CorsTests : IAsyncLifetime
{
    private const string Page = """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><script src="/signalr.min.js"></script></head>
        <body><script>
        window.connectAndCall = async (url, transport, token) => {
            const options = { transport };
            if (token) { options.accessTokenFactory = () => token; }
            const connection = new signalR.HubConnectionBuilder().withUrl(url, options).configureLogging(signalR.LogLevel.None).build();
            try {
                await connection.start();
                const echo = await connection.invoke("Echo", "cross-origin");
                const user = await connection.invoke("WhoAmI");
                return "ok:" + echo + ":" + (user ?? "anonymous") + ":" + connection.connectionId.length;
            } catch (e) {
                return "error:" + e.message;
            } finally {
                await connection.stop();
            }
        };
        </script></body></html>
        """;

    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private WebApplication _pageApp = null!;
    private WebApplication _hubApp = null!;
    private Uri _pageOrigin = null!;
    private Uri _hubOrigin = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        // The official client the Chat sample ships (@microsoft/signalr 10.0.11).
        var script = await File.ReadAllTextAsync(RepositoryPaths.Combine("samples", "Chat", "wwwroot", "lib", "signalr", "signalr.min.js"));
        _pageApp = CreateApp();
        _pageApp.MapGet("/", () => Results.Content(Page, "text/html"));
        _pageApp.MapGet("/signalr.min.js", () => Results.Content(script, "text/javascript"));
        _pageOrigin = await StartAsync(_pageApp);
        var pageOrigin = _pageOrigin.GetLeftPart(UriPartial.Authority);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Services.AddCors(o => o.AddPolicy("page", p => p.WithOrigins(pageOrigin).AllowAnyHeader().AllowAnyMethod().AllowCredentials()));
        JwtBearerSetup.AddJwtBearer(builder.Services);
        builder.Services.AddSignalRLite();
        _hubApp = builder.Build();
        _hubApp.UseCors();
        _hubApp.UseAuthentication();
        _hubApp.UseAuthorization();
        _hubApp.MapHub<CorsHub>("/hubs/allowed").RequireCors("page");
        _hubApp.MapHub<CorsHub>("/hubs/jwt").RequireCors("page").RequireAuthorization();
        _hubApp.MapHub<CorsHub>("/hubs/closed");
        _hubOrigin = await StartAsync(_hubApp);

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ChromiumArgs });
        _page = await _browser.NewPageAsync();
        await _page.GotoAsync(_pageOrigin.ToString());
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _hubApp.DisposeAsync();
        await _pageApp.DisposeAsync();
    }

    private Task<string> ConnectAndCallAsync(string path, int transport, string? token = null) =>
        _page.EvaluateAsync<string>("([url, transport, token]) => window.connectAndCall(url, transport, token)", new object?[] { new Uri(_hubOrigin, path).ToString(), transport, token });

    [Theory]
    [InlineData(1)] // WebSockets
    [InlineData(2)] // ServerSentEvents
    [InlineData(4)] // LongPolling
    public async Task AllowedOriginConnectsWithCredentials(int transport)
    {
        Assert.NotEqual(_pageOrigin.Port, _hubOrigin.Port);
        Assert.Equal("ok:cross-origin:anonymous:22", await ConnectAndCallAsync("/hubs/allowed", transport));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task JavaScriptClientAuthenticatesWithAccessTokenFactory(int transport)
    {
        Assert.Equal("ok:cross-origin:alice:22", await ConnectAndCallAsync("/hubs/jwt", transport, JwtBearerSetup.CreateToken("alice")));
        Assert.StartsWith("error:", await ConnectAndCallAsync("/hubs/jwt", transport));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task OriginWithoutCorsPolicyFailsCleanly(int transport)
    {
        // The negotiate request is blocked by the browser: start() rejects, the page keeps working.
        var result = await ConnectAndCallAsync("/hubs/closed", transport);
        Assert.StartsWith("error:Failed to complete negotiation with the server", result);
        Assert.Equal("ok:cross-origin:anonymous:22", await ConnectAndCallAsync("/hubs/allowed", transport));
    }

    private static WebApplication CreateApp()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        return builder.Build();
    }

    private static async Task<Uri> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        return new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }
}
