using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SignalRLite.Tests.Infrastructure;
using SignalRLite.Http.Connections;

namespace SignalRLite.Tests.StatefulReconnect;

/// <summary>A Kestrel host with <see cref="ReconnectHub"/> at <c>/reconnect</c> (stateful reconnect allowed) and a proxy in front of it.</summary>
internal sealed class StatefulReconnectServer : IAsyncDisposable
{
    private StatefulReconnectServer(HubAppHost host, LoopbackTcpProxy proxy)
    {
        Host = host;
        Proxy = proxy;
    }

    public HubAppHost Host { get; }

    public LoopbackTcpProxy Proxy { get; }

    public ReconnectState State => Host.Services.GetRequiredService<ReconnectState>();

    public static async Task<StatefulReconnectServer> StartAsync(
        TimeSpan? disconnectTimeout = null,
        long? bufferSize = null,
        bool allowStatefulReconnects = true)
    {
        var host = await HubAppHost.StartAsync(
            HubHostKind.Kestrel,
            services =>
            {
                services.AddSingleton<ReconnectState>();
                if (Environment.GetEnvironmentVariable("SR_SERVER_LOG") == "1")
                {
                    services.AddLogging(l => l.AddSimpleConsole().SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Debug).AddFilter("Microsoft", Microsoft.Extensions.Logging.LogLevel.Warning));
                }

                services.AddSignalRLite(o =>
                {
                    o.KeepAliveInterval = TimeSpan.FromSeconds(1);
                    o.ClientTimeoutInterval = TimeSpan.FromSeconds(30);
                    if (bufferSize is { } size)
                    {
                        o.StatefulReconnectBufferSize = size;
                    }
                }).AddMessagePackProtocol();
                services.Configure<ConnectionOptions>(o => o.DisconnectTimeout = disconnectTimeout ?? TimeSpan.FromSeconds(10));
            },
            app => app.MapHub<ReconnectHub>("/reconnect", o => o.AllowStatefulReconnects = allowStatefulReconnects));
        return new StatefulReconnectServer(host, new LoopbackTcpProxy(host.BaseAddress));
    }

    /// <summary>An official .NET client through the proxy, WebSockets, with <c>WithStatefulReconnect()</c>.</summary>
    public HubConnection CreateClient(string protocol)
    {
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(Proxy.BaseAddress, "reconnect"), Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets)
            .WithStatefulReconnect()
            .WithServerTimeout(TimeSpan.FromSeconds(30));
        if (protocol == "messagepack")
        {
            builder.AddMessagePackProtocol();
        }

        if (Environment.GetEnvironmentVariable("SR_CLIENT_LOG") == "1")
        {
            builder.Services.AddLogging(l => l.AddSimpleConsole().SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Trace));
        }

        return builder.Build();
    }

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Host.DisposeAsync();
    }
}
