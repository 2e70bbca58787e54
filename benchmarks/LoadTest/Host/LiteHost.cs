#if HAS_LITE
using SignalRLite;

namespace LoadTest.Host;

/// <summary>SignalRLite with its MessagePack protocol.</summary>
internal static class LiteHost
{
    public static void ConfigureServices(IServiceCollection services)
    {
#if HAS_LITE_MSGPACK
        services.AddSignalRLite().AddMessagePackProtocol();
#else
        services.AddSignalRLite();
#endif
    }

    public static void Map(WebApplication app)
    {
        app.MapHub<LiteBenchHub>("/hub");
    }
}

/// <summary>The benchmark hub, SignalRLite flavour. Keep identical to OfficialBenchHub.</summary>
public sealed class LiteBenchHub : Hub
{
    public string Echo(string message) => message;

    public Task Broadcast(string message) => Clients.All.SendAsync("Receive", message);

    public Task JoinGroup(string group) => Groups.AddToGroupAsync(Context.ConnectionId, group);

    public Task GroupBroadcast(string group, string message) => Clients.Group(group).SendAsync("Receive", message);
}
#endif
