using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SignalRLite.Http.Connections;
using SignalRLite.Internal.Hubs;
using SignalRLite.Internal.Transports;
using SignalRLite.Tests.Infrastructure;

namespace SignalRLite.Tests.Transports;

/// <summary>
/// What an idle WebSocket hub connection does not create (the cancellation sources, the invocation scheduler), and that
/// what they were for still works when they are created late or never: ConnectionAborted fires for a running hub
/// method when the client drops, a token read after the end is already cancelled, and a close reaches the WebSocket
/// transport by a direct call instead of a token registration.
/// </summary>
public sealed class IdleConnectionStateTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private const string Handshake = "{\"protocol\":\"json\",\"version\":1}\u001e";

    // ---------------------------------------------------------------- unit level

    [Fact]
    public void ConnectionAborted_IsCreatedOnFirstRead_AndCancelledByTheAbort()
    {
        var context = new HubConnectionContext(new TestConnection(), new HubConnectionContextOptions(), NullLoggerFactory.Instance);
        Assert.False(context.AbortedSourceCreated);

        var token = context.ConnectionAborted;
        Assert.True(context.AbortedSourceCreated);
        Assert.Equal(token, context.ConnectionAborted); // one source: every read gets the same token
        var fired = false;
        using var registration = token.Register(() => fired = true);
        Assert.False(context.IsAbortRequested);

        context.CancelAborted();
        Assert.True(fired);
        Assert.True(context.IsAbortRequested);
    }

    [Fact]
    public void ConnectionAborted_ReadOnlyAfterTheAbort_IsAlreadyCancelled_WithoutASource()
    {
        var context = new HubConnectionContext(new TestConnection(), new HubConnectionContextOptions(), NullLoggerFactory.Instance);
        context.CancelAborted();

        Assert.True(context.IsAbortRequested);
        Assert.True(context.ConnectionAborted.IsCancellationRequested);
        Assert.False(context.AbortedSourceCreated);
    }

    [Fact]
    public void ConnectionAborted_RacingTheAbort_IsAlwaysCancelledInTheEnd()
    {
        for (var i = 0; i < 2000; i++)
        {
            var context = new HubConnectionContext(new TestConnection(), new HubConnectionContextOptions(), NullLoggerFactory.Instance);
            CancellationToken token = default;
            using var start = new Barrier(2);
            var reader = new Thread(() =>
            {
                start.SignalAndWait();
                token = context.ConnectionAborted;
            });
            reader.Start();
            start.SignalAndWait();
            context.CancelAborted();
            reader.Join();

            Assert.True(token.IsCancellationRequested, $"iteration {i}: a token read while the abort ran was left uncancelled");
        }
    }

    [Fact]
    public void TheScheduler_IsCreatedOnFirstUse_AndAskingWhetherTheConnectionIsIdleCreatesNothing()
    {
        var invocations = new HubConnectionInvocations(maxParallel: 1);
        Assert.True(invocations.IsIdle);
        Assert.Equal(0, invocations.QueuedCount);
        Assert.False(invocations.SchedulerCreated);

        var scheduler = invocations.Scheduler;
        Assert.True(invocations.SchedulerCreated);
        Assert.Same(scheduler, invocations.Scheduler);
    }

    [Fact]
    public async Task ALeasesReleasedTask_IsCreatedOnFirstRead_AndCompletesOnRelease_EvenWhenReadAfterIt()
    {
        var waited = new TransportLease();
        Assert.False(waited.ReleasedTaskCreated);
        var released = waited.Released;
        Assert.True(waited.ReleasedTaskCreated);
        Assert.Same(released, waited.Released);
        Assert.False(released.IsCompleted);
        waited.Release();
        await released.WaitAsync(Timeout);

        var late = new TransportLease();
        late.Release();
        Assert.True(late.Released.IsCompleted);
        Assert.False(late.ReleasedTaskCreated);

        for (var i = 0; i < 2000; i++)
        {
            var raced = new TransportLease();
            Task? task = null;
            using var start = new Barrier(2);
            var reader = new Thread(() =>
            {
                start.SignalAndWait();
                task = raced.Released;
            });
            reader.Start();
            start.SignalAndWait();
            raced.Release();
            reader.Join();
            await task!.WaitAsync(Timeout);
        }
    }

    [Fact]
    public async Task ConnectionClosedAndTransportClosing_AreCreatedOnFirstRead_AndCancelledByTheClose()
    {
        using var manager = new HttpConnectionManager(NullLoggerFactory.Instance, Options.Create(new ConnectionOptions()));
        var early = manager.CreateConnection(new HttpConnectionDispatcherOptions());
        Assert.Equal((false, false), early.CancellationSourcesCreated);
        var closed = early.ConnectionClosed;
        var closing = early.TransportClosing;
        Assert.Equal((true, true), early.CancellationSourcesCreated);

        await early.CloseAsync(null).WaitAsync(Timeout);
        Assert.True(closed.IsCancellationRequested);
        Assert.True(closing.IsCancellationRequested);

        // Read only after the close: cancelled at once, and no source is made for it.
        var late = manager.CreateConnection(new HttpConnectionDispatcherOptions());
        await late.CloseAsync(null).WaitAsync(Timeout);
        Assert.True(late.ConnectionClosed.IsCancellationRequested);
        Assert.True(late.TransportClosing.IsCancellationRequested);
        Assert.Equal((false, false), late.CancellationSourcesCreated);
    }

    // ---------------------------------------------------------------- over a real socket

    [Fact]
    [Trait("Category", "Integration")]
    public async Task AnIdleHubConnection_HoldsNoCancellationSourceAndNoScheduler_AndAnEchoCreatesNoAbortSource()
    {
        var probe = new ConnectionProbe();
        await using var host = await StartHubAsync(probe);
        using var socket = await host.ConnectRawWebSocketAsync("/hub");
        await socket.SendTextAsync(Handshake);
        Assert.Equal("{}\u001e", (await socket.ReceiveMessageAsync()).Text);
        var connection = await probe.Connected.Task.WaitAsync(Timeout);
        var http = Assert.IsType<HttpConnectionContext>(connection.ConnectionContext);

        Assert.False(connection.AbortedSourceCreated);
        Assert.Null(connection.Invocations); // the hub layer's dispatch state: created by the first invocation
        Assert.Equal((false, false), http.CancellationSourcesCreated);
        Assert.False(http.ReaderLeaseWaitedFor);

        // A method without a CancellationToken parameter needs no abort source.
        await socket.SendTextAsync("{\"type\":1,\"invocationId\":\"1\",\"target\":\"Echo\",\"arguments\":[\"hi\"]}\u001e");
        Assert.Contains("\"result\":\"hi\"", (await socket.ReceiveMessageAsync()).Text);
        Assert.False(connection.AbortedSourceCreated);
        Assert.True(connection.Invocations!.SchedulerCreated);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task ConnectionAborted_FiresForARunningHubMethod_WhenTheClientDrops()
    {
        var probe = new ConnectionProbe();
        await using var host = await StartHubAsync(probe);
        var socket = await host.ConnectRawWebSocketAsync("/hub");
        await socket.SendTextAsync(Handshake);
        await socket.ReceiveMessageAsync();
        var connection = await probe.Connected.Task.WaitAsync(Timeout);
        Assert.False(connection.AbortedSourceCreated);

        await socket.SendTextAsync("{\"type\":1,\"invocationId\":\"1\",\"target\":\"WaitForAbort\",\"arguments\":[]}\u001e");
        await probe.Waiting.Task.WaitAsync(Timeout);
        socket.Abort();
        socket.Dispose();

        Assert.True(await probe.Aborted.Task.WaitAsync(Timeout));
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task AGracefulCloseReachesTheWebSocketDirectly_ItSendsCloseFrame1000_WhileTheApplicationStillRuns()
    {
        var application = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource<HttpConnectionContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, application: connection =>
        {
            started.TrySetResult((HttpConnectionContext)connection);
            return application.Task; // ignores its input ending: only the close signal can stop the send loop
        });

        using var socket = await server.ConnectWebSocketAsync();
        var connection = await started.Task.WaitAsync(Timeout);
        var closing = connection.CloseAsync(null);

        var (type, _) = await socket.ReceiveMessageAsync(Timeout);
        Assert.Equal(WebSocketMessageType.Close, type);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        Assert.False(connection.CancellationSourcesCreated.TransportClosing);

        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        application.TrySetResult();
        await closing.WaitAsync(Timeout);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task ACloseWithAnErrorAbortsTheWebSocket_WhileTheApplicationStillRuns()
    {
        var application = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource<HttpConnectionContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, application: connection =>
        {
            started.TrySetResult((HttpConnectionContext)connection);
            return application.Task;
        });

        using var socket = await server.ConnectWebSocketAsync();
        var connection = await started.Task.WaitAsync(Timeout);
        var closing = connection.CloseAsync(new ConnectionAbortedException("test"));

        // The socket is aborted: no close frame, the receive fails.
        await Assert.ThrowsAnyAsync<WebSocketException>(() => socket.ReceiveMessageAsync(Timeout));
        application.TrySetResult();
        await closing.WaitAsync(Timeout);
    }

    private static Task<HubAppHost> StartHubAsync(ConnectionProbe probe) => HubAppHost.StartAsync(
        HubHostKind.Kestrel,
        services =>
        {
            services.AddSignalRLite();
            services.AddSingleton(probe);
        },
        app =>
        {
            app.UseWebSockets();
            app.MapHub<ProbeHub>("/hub");
        });

    public sealed class ConnectionProbe
    {
        public TaskCompletionSource<HubConnectionContext> Connected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Waiting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<bool> Aborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public sealed class ProbeHub(ConnectionProbe probe) : Hub
    {
        public override Task OnConnectedAsync()
        {
            // The caller context, not Context.ConnectionAborted: reading the token would create its source.
            probe.Connected.TrySetResult(((DefaultHubCallerContext)Context).Connection);
            return Task.CompletedTask;
        }

        public string Echo(string text) => text;

        public async Task WaitForAbort()
        {
            // The first read of the token happens while the method runs (its source is created here).
            var aborted = Context.ConnectionAborted;
            probe.Waiting.TrySetResult();
            try
            {
                await Task.Delay(System.Threading.Timeout.Infinite, aborted);
            }
            catch (OperationCanceledException)
            {
                probe.Aborted.TrySetResult(true);
            }
        }
    }
}
