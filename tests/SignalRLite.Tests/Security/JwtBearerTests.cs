using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ClientTransport = Microsoft.AspNetCore.Http.Connections.HttpTransportType;

namespace SignalRLite.Tests.Security;

[Authorize]
public class JwtHub : Hub
{
    public string? WhoAmI() => Context.UserIdentifier;

    public string? Name() => Context.User?.Identity?.Name;
}

/// <summary>JwtBearer with the official .NET client's <c>AccessTokenProvider</c>, over every transport, on Kestrel.</summary>
[Trait("Category", "Integration")]
public class JwtBearerTests
{
    internal static async Task<(WebApplication App, Uri BaseAddress)> StartAsync(Action<WebApplication>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        JwtBearerSetup.AddJwtBearer(builder.Services);
        builder.Services.AddSignalRLite();
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapHub<JwtHub>("/hubs/jwt");
        app.MapHub<JwtHub>("/other/jwt");
        configure?.Invoke(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address));
    }

    [Theory]
    [InlineData(ClientTransport.WebSockets)]
    [InlineData(ClientTransport.ServerSentEvents)]
    [InlineData(ClientTransport.LongPolling)]
    public async Task OfficialClientAuthenticatesWithAccessTokenProvider(ClientTransport transport)
    {
        var (app, baseAddress) = await StartAsync();
        await using var _ = app;
        var calls = 0;
        var client = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, "/hubs/jwt"), transport, o => o.AccessTokenProvider = () =>
            {
                Interlocked.Increment(ref calls);
                return Task.FromResult<string?>(JwtBearerSetup.CreateToken("alice"));
            })
            .ConfigureLogging(l => l.ClearProviders())
            .Build();
        await using var __ = client;
        await client.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("alice", await client.InvokeAsync<string>("WhoAmI"));
        Assert.Equal("alice", await client.InvokeAsync<string>("Name"));
        Assert.True(calls >= 1);
    }

    [Fact]
    public async Task MissingExpiredOrForgedTokensAreRefused()
    {
        var (app, baseAddress) = await StartAsync();
        await using var _ = app;
        foreach (var token in new string?[] { null, JwtBearerSetup.CreateToken("old", TimeSpan.FromSeconds(-30)), JwtBearerSetup.CreateToken("eve")[..^4] + "AAAA" })
        {
            var client = new HubConnectionBuilder()
                .WithUrl(new Uri(baseAddress, "/hubs/jwt"), ClientTransport.WebSockets, o => o.AccessTokenProvider = () => Task.FromResult(token))
                .ConfigureLogging(l => l.ClearProviders())
                .Build();
            var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.StartAsync());
            Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task QueryStringTokenIsOnlyReadOnHubPaths()
    {
        var (app, baseAddress) = await StartAsync();
        await using var _ = app;
        using var http = new HttpClient { BaseAddress = baseAddress };
        var token = JwtBearerSetup.CreateToken("alice");
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"/hubs/jwt/negotiate?negotiateVersion=1&access_token={token}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync($"/other/jwt/negotiate?negotiateVersion=1&access_token={token}", null)).StatusCode);
    }

    [Fact]
    public async Task CloseOnAuthenticationExpirationEndsTheConnectionWhenTheJwtExpires()
    {
        var (app, baseAddress) = await StartAsync(a => a.MapHub<JwtHub>("/hubs/expiring", o => o.CloseOnAuthenticationExpiration = true));
        await using var _ = app;
        var client = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, "/hubs/expiring"), ClientTransport.WebSockets, o => o.AccessTokenProvider = () => Task.FromResult<string?>(JwtBearerSetup.CreateToken("alice", TimeSpan.FromSeconds(2))))
            .ConfigureLogging(l => l.ClearProviders())
            .Build();
        await using var __ = client;
        var closed = new Infrastructure.Signal<Exception?>();
        client.Closed += e => { closed.TrySetResult(e); return Task.CompletedTask; };
        await client.StartAsync();
        Assert.Equal("alice", await client.InvokeAsync<string>("WhoAmI"));
        Assert.Null(await closed.WaitAsync());
    }
}
