using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SignalRLite.Tests.Infrastructure;
using Xunit.Abstractions;
using ClientTransport = Microsoft.AspNetCore.Http.Connections.HttpTransportType;

namespace SignalRLite.Tests.Browser;

/// <summary>
/// End to end: the dashboard in a real browser (Debian chromium, headless), signed in, while official .NET clients
/// connect to a hub of the same app and invoke it. The numbers on the page follow.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DashboardPageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private static readonly PageWaitForFunctionOptions Slow = new() { Timeout = 20_000, PollingInterval = 100 };

    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private HubAppHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await HubAppHost.StartAsync(
            HubHostKind.Kestrel,
            s => s.AddSignalRLite(),
            app =>
            {
                app.MapHub<Diagnostics.Lite.DiagHub>("/diag");
                app.MapSignalRLiteDashboard("/signalr-dashboard");
            });
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ChromiumArgs,
        });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _host.DisposeAsync();
    }

    private Task WaitForTextAsync(IPage page, string id, string text) =>
        page.WaitForFunctionAsync("([id, text]) => document.getElementById(id).textContent === text", new[] { id, text }, Slow);

    private async Task<bool> InstrumentPresentAsync(string name)
    {
        using var http = _host.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "signalr-dashboard/data");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "admin");
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("present").EnumerateArray().Any(e => e.GetString() == name);
    }

    [Fact]
    public async Task LiveConnectionsFollowTheClients()
    {
        // The test auth scheme signs "Bearer <name>" in as <name>; the dashboard requires an authenticated user.
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            ExtraHTTPHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer admin" },
        });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        var foreignRequests = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                errors.Add(m.Text);
            }
        };
        page.Request += (_, r) =>
        {
            if (!r.Url.StartsWith(_host.BaseAddress.ToString(), StringComparison.Ordinal))
            {
                foreignRequests.Add(r.Url);
            }
        };

        await page.GotoAsync(new Uri(_host.BaseAddress, "signalr-dashboard").ToString());
        await page.WaitForFunctionAsync("() => document.getElementById('status').textContent.startsWith('updated')", null, Slow);
        Assert.Equal("0", await page.TextContentAsync("#live-connections"));

        var clients = new List<HubConnection>();
        foreach (var transport in new[] { ClientTransport.WebSockets, ClientTransport.WebSockets, ClientTransport.WebSockets, ClientTransport.ServerSentEvents })
        {
            clients.Add(await _host.ConnectAsync("/diag", transport));
        }

        await WaitForTextAsync(page, "live-connections", "4");

        // Groups and their sizes: three connections in one group, one in another; the page lists them, largest first.
        var groups = _host.Services.GetRequiredService<SignalRLite.IHubContext<Diagnostics.Lite.DiagHub>>().Groups;
        for (var i = 0; i < 3; i++)
        {
            await groups.AddToGroupAsync(clients[i].ConnectionId!, "room-a");
        }

        await groups.AddToGroupAsync(clients[3].ConnectionId!, "room-b");
        await page.WaitForFunctionAsync(
            "() => document.getElementById('largest-groups').textContent.includes('DiagHubroom-a3DiagHubroom-b1')", null, Slow);
        await page.WaitForFunctionAsync(
            "() => document.getElementById('connections-by-transport').textContent.includes('web_sockets3')", null, Slow);

        // Load while the page polls: invocations on every client.
        for (var i = 0; i < 20; i++)
        {
            await Task.WhenAll(clients.Select(c => c.InvokeAsync<string>("Echo", "ping " + i)));
        }

        // The invocation counter of the SignalRLite meter, once the server records it, shows them all.
        if (await InstrumentPresentAsync("signalrlite.server.invocations"))
        {
            await WaitForTextAsync(page, "invocations-total", "80");
        }
        else
        {
            Assert.Equal("–", await page.TextContentAsync("#invocations-total"));
        }

        // A few seconds of history in the charts (each poll adds a point) before the picture.
        await page.WaitForFunctionAsync("() => Number(document.getElementById('chart-connections').dataset.points) >= 6", null, Slow);
        var directory = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(directory);
        var screenshot = Path.Combine(directory, "dashboard.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        output.WriteLine("dashboard screenshot: " + screenshot);

        await clients[0].StopAsync();
        await clients[3].StopAsync();
        await WaitForTextAsync(page, "live-connections", "2");
        // The sizes follow the disconnects (client 0 left room-a, client 3 left room-b, which is gone).
        await page.WaitForFunctionAsync(
            "() => { const t = document.getElementById('largest-groups').textContent; return t.includes('room-a2') && !t.includes('room-b'); }", null, Slow);
        await page.WaitForFunctionAsync(
            "() => document.getElementById('connections-closed').textContent.includes('normal_closure2')", null, Slow);

        Assert.Empty(errors);
        Assert.Empty(foreignRequests);
    }
}
