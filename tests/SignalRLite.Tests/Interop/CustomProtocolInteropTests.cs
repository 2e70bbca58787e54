using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Protocol;
using SignalRLite.Tests.MessagePackProtocol;

namespace SignalRLite.Tests.Interop;

/// <summary>
/// A third hub protocol registered by the app (<see cref="LineHubProtocol"/>, written against the public API only)
/// serves its clients beside the official .NET client on JSON, on one hub, without any change to the library.
/// </summary>
[Trait("Category", "Integration")]
public class CustomProtocolInteropTests
{
    public sealed class MixedHub : Hub
    {
        public string Echo(string value) => value;

        public Task Shout(string value) => Clients.All.SendAsync("Heard", value);
    }

    [Fact]
    public async Task A_protocol_registered_by_the_app_serves_its_clients_next_to_json_clients()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Services.AddSignalRLite();
        builder.Services.AddSingleton<IHubProtocol, LineHubProtocol>();
        await using var app = builder.Build();
        app.MapHub<MixedHub>("/mixed");
        await app.StartAsync();
        var baseUri = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        var json = new HubConnectionBuilder().WithUrl(new Uri(baseUri, "/mixed")).Build();
        var heard = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        json.On<string>("Heard", v => heard.TrySetResult(v));
        await json.StartAsync();

        using var line = new ClientWebSocket();
        await line.ConnectAsync(new Uri(new Uri(baseUri.ToString().Replace("http", "ws")), "/mixed"), CancellationToken.None);
        await SendAsync(line, "{\"protocol\":\"line\",\"version\":1}\u001e");
        Assert.Equal("{}\u001e", await ReceiveAsync(line, "\u001e"));

        await SendAsync(line, "I|1|Echo|hello\n");
        Assert.Equal("C|1|hello|\n", await ReceiveAsync(line, "\n"));

        // A line client's broadcast reaches the JSON client, and the JSON client's reaches the line client.
        await SendAsync(line, "I||Shout|from-line\n");
        Assert.Equal("from-line", await heard.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("I||Heard|from-line\n", await ReceiveAsync(line, "\n"));
        await json.InvokeAsync("Shout", "from-json");
        Assert.Equal("I||Heard|from-json\n", await ReceiveAsync(line, "\n"));
        Assert.Equal("json-ok", await json.InvokeAsync<string>("Echo", "json-ok"));

        await json.DisposeAsync();
        await line.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await app.StopAsync();
    }

    private static Task SendAsync(ClientWebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    // Reads until the terminator; skips the server's keep-alive pings ("P\n") of the line protocol.
    private static async Task<string> ReceiveAsync(ClientWebSocket socket, string terminator)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
            var s = text.ToString();
            if (s == "P\n")
            {
                text.Clear();
                continue;
            }

            if (s.EndsWith(terminator, StringComparison.Ordinal))
            {
                return s;
            }
        }
    }
}
