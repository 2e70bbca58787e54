using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace RedisBroadcast;

public sealed class LiteHub : SignalRLite.Hub
{
}

public sealed class OfficialHub : Microsoft.AspNetCore.SignalR.Hub
{
}

/// <summary>One server of the scenario: a web app with the hub at /hub and a broadcast function through its hub context.</summary>
internal sealed record BenchServer(WebApplication App, Uri HubUrl, Func<int, Task> BroadcastAsync) : IAsyncDisposable
{
    public static async Task<BenchServer> StartAsync(bool official, string redis, string prefix)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        if (official)
        {
            builder.Services.AddSignalR().AddStackExchangeRedis(redis, o => o.Configuration.ChannelPrefix = RedisChannel.Literal(prefix));
        }
        else
        {
            builder.Services.AddSignalRLite().AddStackExchangeRedis(redis, o => o.Configuration.ChannelPrefix = RedisChannel.Literal(prefix));
        }

        var app = builder.Build();
        Func<int, Task> broadcast;
        if (official)
        {
            app.MapHub<OfficialHub>("/hub");
            var context = app.Services.GetRequiredService<Microsoft.AspNetCore.SignalR.IHubContext<OfficialHub>>();
            broadcast = i => Microsoft.AspNetCore.SignalR.ClientProxyExtensions.SendAsync(context.Clients.All, "M", i);
        }
        else
        {
            app.MapHub<LiteHub>("/hub");
            var context = app.Services.GetRequiredService<SignalRLite.IHubContext<LiteHub>>();
            broadcast = i => SignalRLite.ClientProxyExtensions.SendAsync(context.Clients.All, "M", i);
        }

        await app.StartAsync();
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BenchServer(app, new Uri(new Uri(address), "hub"), broadcast);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
