using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SignalRLite.Tests.Diagnostics;

/// <summary>The official server or SignalRLite with <c>DiagHub</c> at <c>/diag</c>, and a recorder of what it emits.</summary>
internal sealed class DiagnosticsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private DiagnosticsServer(WebApplication app)
    {
        _app = app;
        BaseAddress = new Uri(app.Urls.First());
        Recorder = new DiagnosticsRecorder(app.Services.GetRequiredService<IMeterFactory>(), "DiagHub");
    }

    public Uri BaseAddress { get; }

    public DiagnosticsRecorder Recorder { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<DiagnosticsServer> StartAsync(string which, TimeSpan? clientTimeout = null, TimeSpan? disconnectTimeout = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        if (which == "official")
        {
            builder.Services.AddSignalR(o => o.ClientTimeoutInterval = clientTimeout ?? o.ClientTimeoutInterval);
            builder.Services.Configure<ConnectionOptions>(o => o.DisconnectTimeout = disconnectTimeout ?? o.DisconnectTimeout);
        }
        else
        {
            builder.Services.AddSignalRLite(o => o.ClientTimeoutInterval = clientTimeout ?? o.ClientTimeoutInterval);
            builder.Services.Configure<SignalRLite.Http.Connections.ConnectionOptions>(o => o.DisconnectTimeout = disconnectTimeout ?? o.DisconnectTimeout);
        }

        var app = builder.Build();
        if (which == "official")
        {
            Microsoft.AspNetCore.Builder.HubEndpointRouteBuilderExtensions.MapHub<Official.DiagHub>(app, "/diag");
        }
        else
        {
            app.MapHub<Lite.DiagHub>("/diag");
        }

        await app.StartAsync();
        return new DiagnosticsServer(app);
    }

    public HubConnection CreateClient(HttpTransportType transport, Action<IHubConnectionBuilder>? configure = null)
    {
        var builder = new HubConnectionBuilder().WithUrl(new Uri(BaseAddress, "diag"), transport);
        configure?.Invoke(builder);
        return builder.Build();
    }

    /// <summary>Waits until <paramref name="count"/> connections have ended (their duration was recorded).</summary>
    public Task WaitForEndedConnectionsAsync(int count) =>
        Recorder.WaitForAsync(r => r.Measurements.Count(m => m.Instrument == "signalr.server.connection.duration") >= count, TimeSpan.FromSeconds(20));

    public async Task StopAsync()
    {
        _stopped = true;
        await _app.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
        {
            await _app.StopAsync();
        }

        await _app.DisposeAsync();
        Recorder.Dispose();
    }
}
