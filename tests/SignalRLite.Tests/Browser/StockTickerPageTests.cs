using System.Globalization;
using Microsoft.Playwright;

namespace SignalRLite.Tests.Browser;

/// <summary>
/// End to end: the StockTicker sample in a real browser (Debian chromium, headless). Prices reach the page through a
/// server-to-client stream fed by a BackgroundService, and the market clock through IHubContext broadcasts.
/// </summary>
[Trait("Category", "Integration")]
public sealed class StockTickerPageTests(StockTickerSampleServer server) : IClassFixture<StockTickerSampleServer>, IAsyncLifetime
{
    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private static readonly LocatorAssertionsToHaveTextOptions Slow = new() { Timeout = 15_000 };

    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
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
    }

    [Fact]
    public async Task PricesStreamIntoThePage()
    {
        var page = await _browser.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync(server.BaseAddress.ToString());
        await Assertions.Expect(page.GetByTestId("status")).ToHaveTextAsync("connected", Slow);

        var price = page.GetByTestId("stock-MSFT").Locator(".price");
        await Assertions.Expect(price).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+\.\d\d$"), Slow);
        var first = await price.TextContentAsync();

        // Streamed quotes keep arriving (one per symbol and tick) and change the price shown.
        await page.WaitForFunctionAsync("() => Number(document.querySelector('[data-testid=received]').textContent) >= 40", null, new() { Timeout = 15_000 });
        await page.WaitForFunctionAsync(
            "first => document.querySelector('[data-testid=stock-MSFT] .price').textContent !== first", first, new() { Timeout = 15_000 });
        Assert.Equal(4, await page.GetByTestId("stocks").Locator("tr").CountAsync());

        // The IHubContext broadcast of the market clock advances too.
        var tick = long.Parse(await page.GetByTestId("tick").TextContentAsync() ?? "", CultureInfo.InvariantCulture);
        await page.WaitForFunctionAsync(
            "t => Number(document.querySelector('[data-testid=tick]').textContent) > t", tick, new() { Timeout = 15_000 });
        Assert.Empty(errors);
    }

    [Fact]
    public async Task SampleServesTheVendoredClient()
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var body = await http.GetStringAsync("lib/signalr/signalr.min.js");
        Assert.Contains("HubConnectionBuilder", body);
    }
}
