using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SignalRLite.Tests.Hubs.Comparison;

/// <summary>Hub options both servers of a comparison get (null: the default).</summary>
internal sealed record ComparisonOptions(
    bool EnableDetailedErrors = false,
    long? MaximumReceiveMessageSize = 32 * 1024,
    TimeSpan? ClientTimeoutInterval = null,
    TimeSpan? KeepAliveInterval = null);

/// <summary>
/// The official server of the shared framework (black box) or SignalRLite, on Kestrel at 127.0.0.1 with the comparison
/// hub at <see cref="Path"/>, JSON and MessagePack registered.
/// </summary>
internal sealed class ComparisonServer : IAsyncDisposable
{
    public const string Path = "/hub";

    /// <summary>A hub whose <c>OnConnectedAsync</c> throws.</summary>
    public const string FailingConnectPath = "/failing-connect";

    private readonly WebApplication _app;

    private ComparisonServer(WebApplication app, string which)
    {
        _app = app;
        Which = which;
        BaseAddress = new Uri(app.Urls.First());
    }

    public string Which { get; }

    public Uri BaseAddress { get; }

    public static async Task<ComparisonServer> StartAsync(string which, ComparisonOptions? options = null)
    {
        options ??= new ComparisonOptions();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        if (which == "official")
        {
            builder.Services.AddSignalR(o =>
            {
                o.EnableDetailedErrors = options.EnableDetailedErrors;
                o.MaximumReceiveMessageSize = options.MaximumReceiveMessageSize;
                o.ClientTimeoutInterval = options.ClientTimeoutInterval ?? o.ClientTimeoutInterval;
                o.KeepAliveInterval = options.KeepAliveInterval ?? o.KeepAliveInterval;
            }).AddMessagePackProtocol();
        }
        else
        {
            builder.Services.AddSignalRLite(o =>
            {
                o.EnableDetailedErrors = options.EnableDetailedErrors;
                o.MaximumReceiveMessageSize = options.MaximumReceiveMessageSize;
                o.ClientTimeoutInterval = options.ClientTimeoutInterval ?? o.ClientTimeoutInterval;
                o.KeepAliveInterval = options.KeepAliveInterval ?? o.KeepAliveInterval;
            }).AddMessagePackProtocol();
        }

        var app = builder.Build();
        if (which == "official")
        {
            app.MapHub<OfficialComparisonHub>(Path);
            app.MapHub<OfficialFailingConnectHub>(FailingConnectPath);
        }
        else
        {
            app.MapHub<LiteComparisonHub>(Path);
            app.MapHub<LiteFailingConnectHub>(FailingConnectPath);
        }

        await app.StartAsync();
        return new ComparisonServer(app, which);
    }

    /// <summary>A raw WebSocket (no negotiate) that has sent <paramref name="handshake"/>.</summary>
    public Task<WireProbe> ConnectAsync(string handshake, bool binary = false, string path = Path) =>
        WireProbe.ConnectAsync(new Uri($"ws://{BaseAddress.Authority}{path}"), handshake, binary);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
