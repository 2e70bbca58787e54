using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Infrastructure;
using SignalRLite.Tests.RateLimiting;
using SignalRLite.Tests.Transports;

namespace SignalRLite.Tests.Interop;

/// <summary>
/// Hub rate limits and a per-user connection quota as the official JavaScript client (Node, tests/js/node_modules) sees
/// them: the rate limit text as the invocation's error, the Close action's text in onclose, a refused start.
/// </summary>
[Trait("Category", "Integration")]
public class RateLimitQuotaJavaScriptTests
{
    private static readonly TimeSpan LongWindow = TimeSpan.FromHours(1);

    [Theory]
    [InlineData("WebSockets", "json")]
    [InlineData("WebSockets", "messagepack")]
    [InlineData("LongPolling", "json")]
    [InlineData("LongPolling", "messagepack")]
    [InlineData("ServerSentEvents", "json")]
    public async Task TheJavaScriptClientSeesRateLimitErrorsCloseTextsAndQuotaRefusals(string transport, string protocol)
    {
        await using var host = await HubAppHost.StartAsync(
            HubHostKind.Kestrel,
            s =>
            {
                s.AddSingleton(new RateLimitGate());
                s.AddSignalRLite()
                    .AddMessagePackProtocol()
                    .AddConnectionQuotas(o => o.MaxConnectionsPerUser = 1)
                    .AddHubRateLimiter(o =>
                    {
                        o.AddFixedWindowLimiter("method", HubRateLimitScope.Connection, w => { w.PermitLimit = 1; w.Window = LongWindow; });
                        o.AddFixedWindowLimiter("hub", HubRateLimitScope.Connection, w => { w.PermitLimit = 1; w.Window = LongWindow; }, HubRateLimitAction.Close);
                    });
            },
            app =>
            {
                app.MapHub<LimitedHub>("/limited");
                app.MapHub<ClassLimitedHub>("/closing");
            });

        var script = RepositoryPaths.Combine("tests", "SignalRLite.Tests", "Interop", "js", "ratelimit-probe.js");
        var output = await JavaScriptClientTransportTests.RunNodeAsync(script, host.BaseAddress.ToString().TrimEnd('/'), transport, protocol, "alice");
        using var json = JsonDocument.Parse(output);
        var result = json.RootElement;
        Assert.Equal(7, result.GetProperty("first").GetInt32());
        Assert.Equal("Failed to invoke 'Limited' because the rate limit 'method' was exceeded.", result.GetProperty("error").GetString());
        Assert.Equal(5, result.GetProperty("echo").GetInt32());
        // The client's text names the 429 and carries its body.
        Assert.Equal("Failed to complete negotiation with the server: Error: Too many connections for this user.: Status code '429'", result.GetProperty("quota").GetString());
        Assert.Equal(1, result.GetProperty("closingFirst").GetInt32());
        Assert.Equal("Server returned an error on close: Connection closed with an error. Rate limit 'hub' exceeded.", result.GetProperty("closed").GetString());
    }
}
