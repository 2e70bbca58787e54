using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SignalRLite.Internal.Drain;
using SignalRLite.Tests.Hubs;
using SignalRLite.Tests.Infrastructure;
using ClientTransport = Microsoft.AspNetCore.Http.Connections.HttpTransportType;

namespace SignalRLite.Tests.Operations;

/// <summary>A hub whose <c>Work</c> runs until the test releases it.</summary>
public sealed class DrainHub(DrainGate gate) : Hub
{
    public async Task<string> Work()
    {
        gate.Entered.TrySetResult();
        await gate.Release.Task;
        return "done";
    }

    public string Echo(string text) => text;
}

public sealed class DrainGate
{
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

public class ServerDrainTests
{
    private const string ReconnectClose = "{\"type\":7,\"allowReconnect\":true}";

    private static (InMemoryHubServer<DrainHub> Server, FakeTimeProvider Time, ServerDrain Drain) Create(int closesPerSecond, TimeSpan deadline)
    {
        var time = new FakeTimeProvider();
        var server = HubTestServer.Create<DrainHub>(
            services: s => s.AddSingleton<TimeProvider>(time).AddSingleton<DrainGate>(),
            builder: b => b.AddGracefulDrain(o =>
            {
                o.ClosesPerSecond = closesPerSecond;
                o.InvocationDeadline = deadline;
            }));
        return (server, time, server.Services.GetRequiredService<ServerDrain>());
    }

    [Fact]
    public async Task Closes_go_out_in_paced_batches_with_allowReconnect()
    {
        var (server, time, drain) = Create(closesPerSecond: 20, deadline: TimeSpan.FromSeconds(10));
        await using var owned = server;
        var clients = new List<TestConnection>();
        for (var i = 0; i < 9; i++)
        {
            clients.Add(await server.ConnectAsync());
        }

        var closes = clients.Select(c => c.ReadUntilClosedAsync()).ToList();
        var passes = Channel.CreateUnbounded<int>();
        drain.PassEnded += closed => passes.Writer.TryWrite(closed);
        var draining = drain.DrainAsync();

        // 20 per second = 2 per 100 ms pass: 2, 4, 6, 8, then the last one; the clock moves only between passes.
        var seen = new List<int>();
        while (seen.Count == 0 || seen[^1] < 9)
        {
            seen.Add(await passes.Reader.ReadAsync().AsTask().WaitAsync(TestConnection.DefaultTimeout));
            time.Advance(ServerDrain.Step);
        }

        Assert.Equal([2, 4, 6, 8, 9], seen);
        foreach (var close in closes)
        {
            Assert.Equal([ReconnectClose], await close);
        }

        // The drain ends once every connection has ended (the heartbeat's set is empty), advancing the clock for its waits.
        while (!draining.IsCompleted)
        {
            time.Advance(ServerDrain.Step);
            await Task.WhenAny(draining, passes.Reader.WaitToReadAsync().AsTask());
            while (passes.Reader.TryRead(out var __))
            {
            }
        }

        await draining;
        Assert.True(drain.IsDraining);
    }

    [Fact]
    public async Task A_busy_connection_is_closed_once_its_invocation_completed_or_at_the_deadline()
    {
        var (server, time, drain) = Create(closesPerSecond: 1000, deadline: TimeSpan.FromSeconds(5));
        await using var owned = server;
        var gate = server.Services.GetRequiredService<DrainGate>();
        var busy = await server.ConnectAsync();
        var idle = await server.ConnectAsync();
        await busy.SendAsync(HubTestServer.Invocation("1", "Work"));
        await gate.Entered.Task.WaitAsync(TestConnection.DefaultTimeout);

        var passes = Channel.CreateUnbounded<int>();
        drain.PassEnded += closed => passes.Writer.TryWrite(closed);
        _ = drain.DrainAsync();
        Assert.Equal(1, await passes.Reader.ReadAsync().AsTask().WaitAsync(TestConnection.DefaultTimeout));
        Assert.Equal([ReconnectClose], await idle.ReadUntilClosedAsync());

        // Two seconds on, the invocation still runs: the connection stays open.
        for (var i = 0; i < 20; i++)
        {
            time.Advance(ServerDrain.Step);
            Assert.Equal(1, await passes.Reader.ReadAsync().AsTask().WaitAsync(TestConnection.DefaultTimeout));
        }

        // It completes: its caller gets the result, then (at the next pass that finds it idle) the Close.
        gate.Release.TrySetResult();
        Assert.Equal("{\"type\":3,\"invocationId\":\"1\",\"result\":\"done\"}", await busy.ReadMessageAsync());
        var closed = 1;
        while (closed < 2)
        {
            time.Advance(ServerDrain.Step);
            closed = await passes.Reader.ReadAsync().AsTask().WaitAsync(TestConnection.DefaultTimeout);
        }

        Assert.Equal([ReconnectClose], await busy.ReadUntilClosedAsync());
    }

    [Fact]
    public async Task A_connection_still_busy_at_the_deadline_is_closed_anyway()
    {
        var (server, time, drain) = Create(closesPerSecond: 1000, deadline: TimeSpan.FromSeconds(1));
        await using var owned = server;
        var gate = server.Services.GetRequiredService<DrainGate>();
        var busy = await server.ConnectAsync();
        await busy.SendAsync(HubTestServer.Invocation("1", "Work"));
        await gate.Entered.Task.WaitAsync(TestConnection.DefaultTimeout);

        var passes = Channel.CreateUnbounded<int>();
        drain.PassEnded += closed => passes.Writer.TryWrite(closed);
        _ = drain.DrainAsync();
        var closed = 0;
        var passesSeen = 0;
        while (closed == 0)
        {
            closed = await passes.Reader.ReadAsync().AsTask().WaitAsync(TestConnection.DefaultTimeout);
            passesSeen++;
            time.Advance(ServerDrain.Step);
        }

        // Ten passes of 100 ms waited for it (0 ms to 900 ms), the eleventh, at 1 s, closed it.
        Assert.Equal(11, passesSeen);
        Assert.Contains(ReconnectClose, await busy.ReadUntilClosedAsync());
        gate.Release.TrySetResult();
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Shutdown_lets_the_official_clients_invocation_finish_then_closes_it_with_reconnect_and_refuses_new_connections_with_503()
    {
        var gate = new DrainGate();
        await using var host = await HubAppHost.StartAsync(
            HubHostKind.Kestrel,
            s =>
            {
                s.AddSingleton(gate);
                s.AddSignalRLite().AddGracefulDrain(o => o.InvocationDeadline = TimeSpan.FromSeconds(20));
            },
            app => app.MapHub<DrainHub>("/drain"));
        var client = await host.ConnectAsync("/drain", ClientTransport.WebSockets, configure: b => b.WithAutomaticReconnect([TimeSpan.FromSeconds(30)]));
        var reconnecting = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Reconnecting += error =>
        {
            reconnecting.TrySetResult(error);
            return Task.CompletedTask;
        };

        var work = client.InvokeAsync<string>("Work");
        await gate.Entered.Task.WaitAsync(TestConnection.DefaultTimeout);
        var firstPass = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Services.GetRequiredService<ServerDrain>().PassEnded += _ => firstPass.TrySetResult();
        var stopping = Task.Run(host.StopServerAsync);
        await firstPass.Task.WaitAsync(TestConnection.DefaultTimeout);

        // Draining: a new connection is refused with 503, the running invocation goes on and returns its result.
        using (var http = new HttpClient { BaseAddress = host.BaseAddress })
        {
            var negotiate = await http.PostAsync("/drain/negotiate?negotiateVersion=1", null);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, negotiate.StatusCode);
            Assert.Equal("1", negotiate.Headers.RetryAfter?.ToString());
        }

        Assert.Equal(HubConnectionState.Connected, client.State);
        gate.Release.TrySetResult();
        Assert.Equal("done", await work.WaitAsync(TestConnection.DefaultTimeout));

        // Then the Close with allowReconnect: the client's automatic reconnect starts (no error: a clean Close).
        Assert.Null(await reconnecting.Task.WaitAsync(TestConnection.DefaultTimeout));
        await stopping.WaitAsync(TestConnection.DefaultTimeout);
    }
}
