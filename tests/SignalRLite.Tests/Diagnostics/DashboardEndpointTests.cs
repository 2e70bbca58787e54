using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SignalRLite.Tests.Infrastructure;

namespace SignalRLite.Tests.Diagnostics;

/// <summary>The dashboard's endpoints: protected by default, open only when asked to be.</summary>
public sealed class DashboardEndpointTests
{
    private static Task<HubAppHost> StartAsync(Action<SignalRLiteDashboardOptions>? configure, Action<IServiceCollection>? services = null) =>
        HubAppHost.StartAsync(
            HubHostKind.TestHost,
            s =>
            {
                s.AddSignalRLite();
                services?.Invoke(s);
            },
            app =>
            {
                app.MapHub<Lite.DiagHub>("/diag");
                app.MapSignalRLiteDashboard("/signalr-dashboard", configure);
            });

    private static async Task<HttpResponseMessage> GetAsync(HubAppHost host, string path, string? user = null)
    {
        using var http = host.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (user is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user);
        }

        return await http.SendAsync(request);
    }

    [Theory]
    [InlineData("/signalr-dashboard")]
    [InlineData("/signalr-dashboard/data")]
    public async Task ByDefaultAnAnonymousRequestIsRefused(string path)
    {
        await using var host = await StartAsync(configure: null);
        using var anonymous = await GetAsync(host, path);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var signedIn = await GetAsync(host, path, user: "alice");
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
    }

    [Fact]
    public async Task ANamedPolicyIsRequiredWhenGiven()
    {
        await using var host = await StartAsync(
            o => o.AuthorizationPolicy = "ops",
            s => s.AddAuthorization(a => a.AddPolicy("ops", p => p.RequireUserName("admin"))));
        using var anonymous = await GetAsync(host, "/signalr-dashboard/data");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var bob = await GetAsync(host, "/signalr-dashboard/data", user: "bob");
        Assert.Equal(HttpStatusCode.Forbidden, bob.StatusCode);
        using var admin = await GetAsync(host, "/signalr-dashboard/data", user: "admin");
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
    }

    [Fact]
    public async Task AllowAnonymousServesThePageAndTheSnapshotToAnyone()
    {
        await using var host = await StartAsync(o => o.AllowAnonymous = true);

        using var page = await GetAsync(host, "/signalr-dashboard");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", page.Headers.CacheControl?.ToString());
        Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single());
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("id=\"live-connections\"", html);
        Assert.Contains("const dataUrl = \"/signalr-dashboard/data\";", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", string.Empty));
        Assert.DoesNotContain("https://", html);

        await using var client = await host.ConnectAsync("/diag");
        // One round trip: the server registers a connection after answering its handshake (as the official server),
        // and the snapshot lists a hub once it has had a registered connection.
        Assert.Equal("ready", await client.InvokeAsync<string>("Echo", "ready"));
        using var data = await GetAsync(host, "/signalr-dashboard/data");
        Assert.Equal(HttpStatusCode.OK, data.StatusCode);
        Assert.Equal("application/json", data.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await data.Content.ReadAsStringAsync());
        var connections = json.RootElement.GetProperty("connections");
        Assert.Equal(JsonValueKind.Number, connections.GetProperty("live").ValueKind);
        Assert.Equal(JsonValueKind.Array, json.RootElement.GetProperty("invocations").GetProperty("methods").ValueKind);
        var groups = json.RootElement.GetProperty("groups");
        Assert.Contains("this server's connections", groups.GetProperty("note").GetString());
        Assert.Equal(0, groups.GetProperty("largest").GetArrayLength());
        var hub = Assert.Single(groups.GetProperty("groupsByHub").EnumerateArray());
        Assert.Equal("DiagHub", hub.GetProperty("name").GetString());
        Assert.Equal(0, hub.GetProperty("count").GetDouble());
    }

    [Fact]
    public async Task WithoutAuthorizationServicesMappingFailsWithAClearMessage()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseTestServer();
        builder.Services.AddSignalRLite();
        await using var app = builder.Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapSignalRLiteDashboard("/signalr-dashboard"));
        Assert.Contains("AllowAnonymous", error.Message);
        Assert.Contains("AddAuthorization", error.Message);

        // Opting out is explicit.
        app.MapSignalRLiteDashboard("/open-dashboard", o => o.AllowAnonymous = true);
    }

    [Theory]
    [Trait("Category", "Integration")] // Kestrel on a socket
    [InlineData(false, true, HttpStatusCode.InternalServerError)] // no scheme to challenge: the request fails
    [InlineData(true, false, HttpStatusCode.Found)] // WebApplication adds the authorization middleware itself: the cookie scheme redirects to its login page
    public async Task AnIncompleteAuthorizationSetupRefusesTheRequest(bool authentication, bool useAuthorization, HttpStatusCode expected)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSignalRLite();
        builder.Services.AddAuthorization();
        if (authentication)
        {
            builder.Services.AddAuthentication("Cookies").AddCookie("Cookies");
        }

        await using var app = builder.Build();
        if (useAuthorization)
        {
            app.UseAuthorization();
        }

        app.MapSignalRLiteDashboard("/signalr-dashboard");
        await app.StartAsync();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(app.Urls.First()) };
        foreach (var path in new[] { "/signalr-dashboard", "/signalr-dashboard/data" })
        {
            using var response = await http.GetAsync(path);
            Assert.Equal(expected, response.StatusCode);
        }

        await app.StopAsync();
    }

    [Fact]
    public async Task WithoutSignalRLiteMappingFails()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddAuthorization();
        await using var app = builder.Build();
        var error = Assert.Throws<InvalidOperationException>(() => app.MapSignalRLiteDashboard("/d"));
        Assert.Contains("AddSignalRLite", error.Message);
    }
}
