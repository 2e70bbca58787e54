using Microsoft.AspNetCore.SignalR;

namespace LoadTest.Host;

/// <summary>The official ASP.NET Core SignalR server (shared framework) with the official MessagePack protocol.</summary>
internal static class OfficialHost
{
    public static void ConfigureServices(IServiceCollection services)
    {
        // Defaults everywhere (MaximumReceiveMessageSize 32 KB, keep-alive 15 s, client timeout 30 s).
        services.AddSignalR().AddMessagePackProtocol();
    }

    public static void Map(WebApplication app)
    {
        // Defaults: ApplicationMaxBufferSize and TransportMaxBufferSize 64 KB.
        app.MapHub<OfficialBenchHub>("/hub");
    }
}

/// <summary>The benchmark hub, official flavour. Keep identical to LiteBenchHub.</summary>
public sealed class OfficialBenchHub : Hub
{
    public string Echo(string message) => message;

    public Task Broadcast(string message) => Clients.All.SendAsync("Receive", message);

    public Task JoinGroup(string group) => Groups.AddToGroupAsync(Context.ConnectionId, group);

    public Task GroupBroadcast(string group, string message) => Clients.Group(group).SendAsync("Receive", message);
}
