using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SignalRLite.Tests.Infrastructure;
using OfficialConnection = Microsoft.AspNetCore.SignalR.HubConnectionContext;
using OfficialDefaultManager = Microsoft.AspNetCore.SignalR.DefaultHubLifetimeManager<SignalRLite.Tests.Hubs.Comparison.OfficialComparisonHub>;
using OfficialManager = Microsoft.AspNetCore.SignalR.HubLifetimeManager<SignalRLite.Tests.Hubs.Comparison.OfficialComparisonHub>;

namespace SignalRLite.Tests.Hubs.Comparison;

/// <summary>
/// Differential test: whether the handshake is answered before the lifetime manager registers the connection (its
/// <c>OnConnectedAsync</c>), observed through a public extension point (a lifetime manager that holds registration)
/// on both servers. It settles what a client that just started may count on: a send to all issued after its start
/// returned.
/// </summary>
[Trait("Category", "OfficialComparison")]
[Trait("Category", "Integration")]
public class OfficialRegistrationOrderComparisonTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Holds registration until released.</summary>
    public sealed class Gate
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class HeldOfficialManager(Gate gate, ILogger<OfficialDefaultManager> logger) : OfficialDefaultManager(logger)
    {
        public override async Task OnConnectedAsync(OfficialConnection connection)
        {
            gate.Entered.TrySetResult();
            await gate.Release.Task;
            await base.OnConnectedAsync(connection);
        }
    }

    private sealed class HeldLiteManager(Gate gate, ILogger<DefaultHubLifetimeManager<LiteComparisonHub>> logger) : DefaultHubLifetimeManager<LiteComparisonHub>(logger)
    {
        public override async Task OnConnectedAsync(HubConnectionContext connection)
        {
            gate.Entered.TrySetResult();
            await gate.Release.Task;
            await base.OnConnectedAsync(connection);
        }
    }

    [Theory]
    [InlineData("official")]
    [InlineData("lite")]
    public async Task TheHandshakeIsAnsweredBeforeTheConnectionIsRegistered(string which)
    {
        var gate = new Gate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSingleton(gate);
        if (which == "official")
        {
            builder.Services.AddSignalR();
            builder.Services.AddSingleton<OfficialManager, HeldOfficialManager>();
        }
        else
        {
            builder.Services.AddSignalRLite();
            builder.Services.AddSingleton<HubLifetimeManager<LiteComparisonHub>, HeldLiteManager>();
        }

        await using var app = builder.Build();
        if (which == "official")
        {
            app.MapHub<OfficialComparisonHub>("/hub");
        }
        else
        {
            app.MapHub<LiteComparisonHub>("/hub");
        }

        await app.StartAsync();
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new UriBuilder(new Uri(app.Urls.First() + "/hub")) { Scheme = "ws" }.Uri, CancellationToken.None);
        await socket.SendAsync("{\"protocol\":\"json\",\"version\":1}\u001e"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        await gate.Entered.Task.WaitAsync(Timeout);

        // Registration is held: the answer comes now, or only after the release.
        var buffer = new byte[64];
        var receive = socket.ReceiveAsync(buffer, CancellationToken.None);
        var first = await Task.WhenAny(receive, TestWaits.NegativeWindowAsync(TimeSpan.FromSeconds(2)));
        var answeredWhileHeld = first == receive;
        gate.Release.TrySetResult();
        var result = await receive.WaitAsync(Timeout);
        Assert.Equal("{}\u001e", Encoding.UTF8.GetString(buffer, 0, result.Count));
        Assert.True(answeredWhileHeld, $"{which}: the handshake was answered only after the connection was registered");
        await app.StopAsync();
    }
}
