using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Hubs;
using SignalRLite.Tests.Infrastructure;

namespace SignalRLite.Tests.Interop;

/// <summary>The app the interop tests run: TestHub at /hub, TypedHub at /typed, SecureHub at /secure, an endpoint at /notify.</summary>
internal static class InteropHost
{
    public static Task<HubAppHost> StartAsync(
        HubHostKind kind,
        Action<HubOptions>? hubOptions = null,
        Action<ISignalRServerBuilder>? signalR = null,
        Action<IServiceCollection>? services = null) =>
        HubAppHost.StartAsync(
            kind,
            s =>
            {
                s.AddSingleton<HubProbe>();
                s.AddSingleton<IGreeter, Greeter>();
                var builder = hubOptions is null ? s.AddSignalRLite() : s.AddSignalRLite(hubOptions);
                signalR?.Invoke(builder);
                services?.Invoke(s);
            },
            app =>
            {
                app.MapHub<TestHub>("/hub");
                app.MapHub<TypedHub>("/typed");
                app.MapHub<SecureHub>("/secure");
                app.MapHub<TestHub>("/guarded").RequireAuthorization();
                app.MapPost("/notify", async (IHubContext<TestHub> hub, HttpContext context) =>
                {
                    await hub.Clients.All.SendAsync("Receive", "endpoint", context.Request.Query["m"].ToString());
                    return Results.Ok();
                });
            });

    public static HubProbe Probe(this HubAppHost host) => host.Services.GetRequiredService<HubProbe>();
}
