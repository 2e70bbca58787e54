using Microsoft.Playwright;

namespace SignalRLite.Tests.Browser;

/// <summary>
/// End to end: the Chat sample in a real browser (Debian chromium, headless) with the official
/// JavaScript client the sample serves itself.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ChatPageTests(ChatSampleServer server) : IClassFixture<ChatSampleServer>, IAsyncLifetime
{
    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private static readonly LocatorAssertionsToHaveTextOptions Slow = new() { Timeout = 15_000 };
    private static readonly LocatorAssertionsToContainTextOptions SlowContains = new() { Timeout = 15_000 };

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

    private async Task<IPage> OpenChatAsync()
    {
        // One context per page: two independent "users", no shared storage.
        var context = await _browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync(server.BaseAddress.ToString());
        await Assertions.Expect(page.GetByTestId("status")).ToHaveTextAsync("connected", Slow);
        Assert.Empty(errors);
        return page;
    }

    private static async Task SendAsync(IPage page, string user, string message)
    {
        await page.GetByTestId("user").FillAsync(user);
        await page.GetByTestId("message").FillAsync(message);
        await page.GetByTestId("send").ClickAsync();
    }

    [Fact]
    public async Task MessageTypedInOnePageAppearsInTheOther()
    {
        var alice = await OpenChatAsync();
        var bob = await OpenChatAsync();
        var text = "hello " + Guid.NewGuid().ToString("N");

        await SendAsync(alice, "alice", text);

        await Assertions.Expect(bob.GetByTestId("messages")).ToContainTextAsync($"alice: {text}", SlowContains);
        await Assertions.Expect(alice.GetByTestId("messages")).ToContainTextAsync($"alice: {text}", SlowContains);
        await Assertions.Expect(alice.GetByTestId("message")).ToHaveValueAsync(string.Empty);

        var reply = "hi back " + Guid.NewGuid().ToString("N");
        await SendAsync(bob, "bob", reply);
        await Assertions.Expect(alice.GetByTestId("messages")).ToContainTextAsync($"bob: {reply}", SlowContains);
    }

    [Fact]
    public async Task MarkupInMessagesIsShownAsText()
    {
        var alice = await OpenChatAsync();
        var bob = await OpenChatAsync();
        var text = "<b id=\"injected\">bold</b> " + Guid.NewGuid().ToString("N");

        await SendAsync(alice, "alice", text);

        await Assertions.Expect(bob.GetByTestId("messages")).ToContainTextAsync(text, SlowContains);
        Assert.Equal(0, await bob.Locator("#injected").CountAsync());
    }

    [Fact]
    public async Task SampleServesTheVendoredClient()
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var response = await http.GetAsync("lib/signalr/signalr.min.js");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("HubConnectionBuilder", body);
    }
}
