using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Infrastructure;
using SignalRLite.Tests.Interop;
using ClientTransport = Microsoft.AspNetCore.Http.Connections.HttpTransportType;

namespace SignalRLite.Tests.ApiParity;

/// <summary>The API surface that apps use, exercised end to end with the official .NET client.</summary>
[Trait("Category", "Integration")]
public class SurfaceInteropTests
{
    private static Task<HubAppHost> StartAsync(Action<IServiceCollection>? services = null) =>
        HubAppHost.StartAsync(
            HubHostKind.Kestrel,
            s =>
            {
                s.AddSignalRLite(o => o.EnableDetailedErrors = true);
                services?.Invoke(s);
            },
            app =>
            {
                app.MapHub<SurfaceHub>("/surface");
                app.MapHub<SurfaceDynamicHub>("/dynamic");
            });

    /// <summary>
    /// <c>Context.Features</c> answers SignalRLite's <c>IHttpTransportFeature</c> and <c>IHttpContextFeature</c>, the
    /// types the namespace substitution maps the official ones to.
    /// </summary>
    [Theory]
    [InlineData(ClientTransport.WebSockets)]
    [InlineData(ClientTransport.ServerSentEvents)]
    [InlineData(ClientTransport.LongPolling)]
    public async Task FeaturesAnswerTheTransportAndTheHttpContext(ClientTransport transport)
    {
        await using var host = await StartAsync();
        var client = await host.ConnectAsync("/surface", transport);

        Assert.Equal(transport.ToString(), await client.InvokeAsync<string?>("Transport"));
        Assert.Equal("/surface", await client.InvokeAsync<string?>("HttpPath"));
    }

    [Fact]
    public async Task EveryOverloadFormOfClientsReachesTheRightConnections()
    {
        await using var host = await StartAsync();
        var ann = await host.ConnectAsync("/surface", user: "ann");
        var bob = await host.ConnectAsync("/surface", user: "bob");
        var cy = await host.ConnectAsync("/surface", user: "cy");
        var inboxes = new[] { new Inbox(ann), new Inbox(bob), new Inbox(cy) };
        var ids = new[] { await ann.InvokeAsync<string>("Id"), await bob.InvokeAsync<string>("Id"), await cy.InvokeAsync<string>("Id") };
        await ann.InvokeAsync("Join", "g1");
        await bob.InvokeAsync("Join", "g1");
        await bob.InvokeAsync("Join", "g2");
        await cy.InvokeAsync("Join", "g2");

        async Task<string> Deliveries(Func<Task> send)
        {
            await send();
            await ann.InvokeAsync("Marker");
            var seen = new List<string>();
            for (var i = 0; i < inboxes.Length; i++)
            {
                seen.Add($"{"abc"[i]}:{string.Join(",", await inboxes[i].UntilMarkerAsync())}");
            }

            return string.Join(" ", seen);
        }

        Assert.Equal("a: b:allExcept c:allExcept", await Deliveries(() => ann.InvokeAsync("AllExceptMe")));
        Assert.Equal("a:allExceptMany b: c:", await Deliveries(() => ann.InvokeAsync("AllExceptMany", new[] { ids[1], ids[2] })));
        Assert.Equal("a: b:users c:users", await Deliveries(() => ann.InvokeAsync("ToUsers", "bob", "cy")));
        Assert.Equal("a:groupSet b:groupSet c:groupSet", await Deliveries(() => ann.InvokeAsync("ToGroupSet", "g1", "g2")));
        Assert.Equal("a: b:groupExcept c:", await Deliveries(() => cy.InvokeAsync("ToGroupExcept", "g1", ids[0])));
        Assert.Equal("a:clients b: c:clients", await Deliveries(() => bob.InvokeAsync("ToClients", ids[0], ids[2])));
    }

    [Fact]
    public async Task DynamicHubSendsTheCalledMethod()
    {
        await using var host = await StartAsync();
        var first = await host.ConnectAsync("/dynamic");
        var second = await host.ConnectAsync("/dynamic");
        var firstInbox = new Inbox(first);
        var secondInbox = new Inbox(second);

        await first.InvokeAsync("Whisper", "psst");
        Assert.Equal(("caller", "psst"), await firstInbox.NextAsync());
        await first.InvokeAsync("Shout", "hey");
        Assert.Equal(("dynamic", "hey"), await firstInbox.NextAsync());
        Assert.Equal(("dynamic", "hey"), await secondInbox.NextAsync());
    }

    [Fact]
    public async Task AnAppsHubActivatorCreatesAndReleasesEveryHub()
    {
        var log = new ActivatorLog();
        await using var host = await StartAsync(s =>
        {
            s.AddSingleton(log);
            s.AddScoped(typeof(IHubActivator<>), typeof(CountingActivator<>));
        });
        var client = await host.ConnectAsync("/surface");
        Assert.NotEmpty(await client.InvokeAsync<string>("Id"));
        Assert.NotEmpty(await client.InvokeAsync<string>("Id"));
        await client.StopAsync();

        // OnConnectedAsync, two invocations, OnDisconnectedAsync: four hubs, each released.
        for (var i = 0; i < 4; i++)
        {
            Assert.True(await log.ReleasedSignal.WaitAsync(TimeSpan.FromSeconds(10)), $"released {i} of 4");
        }

        Assert.Equal(4, Volatile.Read(ref log.Created));
        Assert.Equal(4, Volatile.Read(ref log.Released));
    }

    [Fact]
    public async Task RawResultCarriesJsonUnparsedBothWays()
    {
        await using var host = await StartAsync();
        var client = host.CreateClient("/surface");
        client.On("GetValue", () => new Hubs.Person("Ann", 3));
        await client.StartAsync();

        Assert.Equal("{\"name\":\"Ann\",\"age\":3}", await client.InvokeAsync<string>("AskRaw"));
        Assert.Equal(new Hubs.Person("Bo", 4), await client.InvokeAsync<Hubs.Person>("EchoRaw", "{\"name\":\"Bo\",\"age\":4}"));
    }
}
