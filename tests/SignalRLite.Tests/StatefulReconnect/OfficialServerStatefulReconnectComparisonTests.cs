using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OfficialHub = Microsoft.AspNetCore.SignalR.Hub;

namespace SignalRLite.Tests.StatefulReconnect;

/// <summary>The same socket-drop scenario against the official server of the shared framework (black box), as a reference.</summary>
[Collection(nameof(OfficialClientStatefulReconnectTests))]
public class OfficialServerStatefulReconnectComparisonTests
{
    public sealed class NumbersHub : OfficialHub
    {
        public async Task SendNumbers(int count, int padding)
        {
            var pad = new string('x', padding);
            for (var i = 1; i <= count; i++)
            {
                await Clients.Caller.SendAsync("Number", i, pad);
            }
        }
    }

    [Theory]
    [InlineData("json")]
    [InlineData("messagepack")]
    public async Task Official_server_server_to_client_across_socket_drops(string protocol)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSignalR().AddMessagePackProtocol();
        await using var app = builder.Build();
        app.MapHub<NumbersHub>("/reconnect", o => o.AllowStatefulReconnects = true);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        await using var proxy = new LoopbackTcpProxy(address);

        var hb = new HubConnectionBuilder()
            .WithUrl(new Uri(proxy.BaseAddress, "reconnect"), Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets)
            .WithStatefulReconnect();
        if (protocol == "messagepack")
        {
            hb.AddMessagePackProtocol();
        }

        var client = hb.Build();
        const int Count = 10_000;
        var received = new List<int>();
        var milestones = new[] { 1000, 3000, 5000, 7000, 9000 }.ToDictionary(n => n, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.On<int, string>("Number", (n, _) =>
        {
            lock (received)
            {
                received.Add(n);
                if (milestones.TryGetValue(received.Count, out var m))
                {
                    m.TrySetResult();
                }

                if (received.Count == Count)
                {
                    done.TrySetResult();
                }
            }
        });
        Exception? closeError = null;
        client.Closed += e =>
        {
            closeError = e;
            return Task.CompletedTask;
        };
        await client.StartAsync();
        _ = client.InvokeAsync("SendNumbers", Count, 40);
        foreach (var m in milestones.Values)
        {
            await m.Task.WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(t =>
            {
                if (t.IsFaulted)
                {
                    throw new TimeoutException($"received {received.Count}, client {client.State} {closeError}");
                }
            });
            await proxy.DropAllBetweenMessages();
        }

        await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        lock (received)
        {
            Assert.Equal(Enumerable.Range(1, Count), received);
        }

        await client.DisposeAsync();
        await app.StopAsync();
    }
}
