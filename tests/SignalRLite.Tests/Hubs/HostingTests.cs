using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SignalRLite.Tests.Hubs;

public class HostingTests
{
    private sealed record Marker(string Name);

    private static WebApplication CreateApp(bool addSignalR = true)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseTestServer();
        builder.Services.AddSingleton<HubProbe>();
        if (addSignalR)
        {
            builder.Services.AddSignalRLite();
        }

        return builder.Build();
    }

    private static List<RouteEndpoint> HubEndpoints(WebApplication app, Type hub) =>
        ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<HubMetadata>()?.HubType == hub).ToList();

    [Fact]
    public async Task MapHubCreatesNegotiateAndConnectionEndpointsThatShareConventions()
    {
        await using var app = CreateApp();
        app.MapHub<TestHub>("/chat/").WithMetadata(new Marker("m"));
        app.MapHub<SecureHub>("/secure");

        var endpoints = HubEndpoints(app, typeof(TestHub));
        Assert.Equal(["/chat/", "/chat/negotiate"], endpoints.Select(e => e.RoutePattern.RawText).Order());
        Assert.All(endpoints, e => Assert.Equal("m", e.Metadata.GetMetadata<Marker>()?.Name));
        var connect = endpoints.Single(e => e.RoutePattern.RawText == "/chat/");
        // Every method reaches the dispatcher, which answers the ones it does not serve with the official server's
        // empty 405 (routing's own 405 would add an Allow header): no method metadata.
        Assert.Null(connect.Metadata.GetMetadata<HttpMethodMetadata>());
        var negotiate = endpoints.Single(e => e.RoutePattern.RawText == "/chat/negotiate");
        Assert.Null(negotiate.Metadata.GetMetadata<HttpMethodMetadata>());
        Assert.NotNull(negotiate.Metadata.GetMetadata<SignalRLite.Http.Connections.NegotiateMetadata>());
        Assert.Null(connect.Metadata.GetMetadata<SignalRLite.Http.Connections.NegotiateMetadata>());
        Assert.Empty(connect.Metadata.GetOrderedMetadata<IAuthorizeData>());

        var secure = HubEndpoints(app, typeof(SecureHub));
        Assert.Equal(2, secure.Count);
        Assert.All(secure, e => Assert.Single(e.Metadata.GetOrderedMetadata<IAuthorizeData>()));
    }

    [Fact]
    public async Task AuthorizationDataAddedInOptionsBecomesMetadata()
    {
        await using var app = CreateApp();
        app.MapHub<TestHub>("/hub", o => o.AuthorizationData.Add(new AuthorizeAttribute("policy")));
        Assert.All(HubEndpoints(app, typeof(TestHub)), e => Assert.Equal("policy", Assert.Single(e.Metadata.GetOrderedMetadata<IAuthorizeData>()).Policy));
    }

    [Fact]
    public async Task MapHubWithoutAddSignalRLiteThrowsAClearError()
    {
        await using var app = CreateApp(addSignalR: false);
        var ex = Assert.Throws<InvalidOperationException>(() => app.MapHub<TestHub>("/hub"));
        Assert.Contains("AddSignalRLite", ex.Message);
    }

    [Fact]
    public void AddSignalRLiteIsIdempotent()
    {
        var services = new ServiceCollection();
        services.AddSignalRLite();
        var count = services.Count;
        services.AddSignalRLite(o => o.EnableDetailedErrors = true);
        Assert.Equal(count + 1, services.Count); // only the configure action is added
    }
}
