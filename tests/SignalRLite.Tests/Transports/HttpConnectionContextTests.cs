using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.Options;
using SignalRLite.Internal.Transports;
using SignalRLite.Http.Connections;

namespace SignalRLite.Tests.Transports;

/// <summary>The connection's attach/lease state machine on its own.</summary>
public class HttpConnectionContextTests
{
    private static (HttpConnectionManager Manager, HttpConnectionContext Connection) Create()
    {
        var manager = new HttpConnectionManager(NullLoggerFactory.Instance, Options.Create(new ConnectionOptions()));
        return (manager, manager.CreateConnection(new HttpConnectionDispatcherOptions()));
    }

    [Fact]
    public void StreamAttachIsExclusiveAndBindsTheTransport()
    {
        var (manager, connection) = Create();
        using var owner = manager;
        Assert.Equal(AttachStatus.Attached, connection.TryAttachStream(HttpTransportType.ServerSentEvents, out var lease));
        Assert.Equal(AttachStatus.Busy, connection.TryAttachStream(HttpTransportType.ServerSentEvents, out _));
        Assert.Equal(AttachStatus.TransportMismatch, connection.TryAttachStream(HttpTransportType.WebSockets, out _));
        Assert.Equal(Microsoft.AspNetCore.Connections.TransferFormat.Text, connection.SupportedFormats);
        connection.ReleaseReader(lease!);
        Assert.Equal(AttachStatus.Closed, connection.TryAttachStream(HttpTransportType.ServerSentEvents, out _));
    }

    [Fact]
    public void OnePostAtATime_NoneOnWebSockets()
    {
        var (manager, connection) = Create();
        using var owner = manager;
        Assert.Equal(AttachStatus.Attached, connection.TryAttachWriter(out var first));
        Assert.Equal(AttachStatus.Busy, connection.TryAttachWriter(out _));
        connection.ReleaseWriter(first!);
        Assert.Equal(AttachStatus.Attached, connection.TryAttachWriter(out var second));
        connection.ReleaseWriter(second!);

        var (manager2, ws) = Create();
        using var owner2 = manager2;
        Assert.Equal(AttachStatus.Attached, ws.TryAttachStream(HttpTransportType.WebSockets, out _));
        Assert.Equal(AttachStatus.TransportMismatch, ws.TryAttachWriter(out _));
    }

    [Fact]
    public async Task NewerPollCancelsOlder_AndAPollHandingOverWhenTheConnectionClosesGetsClosedWhileWaiting()
    {
        var (manager, connection) = Create();
        using var owner = manager;
        using var olderCts = new CancellationTokenSource();
        var older = new TransportLease(olderCts);
        Assert.Equal(AttachStatus.Attached, await connection.AttachPollAsync(older));

        var newer = new TransportLease(new CancellationTokenSource());
        var attaching = connection.AttachPollAsync(newer).AsTask();
        Assert.True(olderCts.IsCancellationRequested);
        Assert.True(older.Superseded);
        Assert.False(attaching.IsCompleted);

        var closing = connection.CloseAsync(null);
        connection.ReleaseReader(older);
        Assert.Equal(AttachStatus.ClosedWhileWaiting, await attaching.WaitAsync(TimeSpan.FromSeconds(10)));
        await closing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, manager.Count);
        Assert.Equal(AttachStatus.Closed, await connection.AttachPollAsync(new TransportLease()));
    }

    [Fact]
    public async Task CloseIsIdempotent_CompletesTheApplicationsInputWithTheError_AndFiresConnectionClosed()
    {
        var (manager, connection) = Create();
        using var owner = manager;
        var closed = new TaskCompletionSource();
        connection.ConnectionClosed.Register(() => closed.TrySetResult());
        var error = new TimeoutException("gone");
        var first = connection.CloseAsync(error);
        Assert.Same(first, connection.CloseAsync(null));
        await first.WaitAsync(TimeSpan.FromSeconds(10));
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Same(error, connection.CloseError);
        Assert.Equal(0, manager.Count);
    }

    [Fact]
    public async Task IdleConnectionsAreDiscardedByTheSharedTimer()
    {
        var time = new FakeTimeProvider();
        var manager = new HttpConnectionManager(
            NullLoggerFactory.Instance, Options.Create(new ConnectionOptions { DisconnectTimeout = TimeSpan.FromSeconds(10) }), timeProvider: time);
        using var owner = manager;
        var idle = manager.CreateConnection(new HttpConnectionDispatcherOptions());
        var busy = manager.CreateConnection(new HttpConnectionDispatcherOptions());
        Assert.Equal(AttachStatus.Attached, busy.TryAttachStream(HttpTransportType.ServerSentEvents, out var lease));

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(idle.IsClosing);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(idle.IsClosing);
        await idle.ConnectionClosed.WhenCanceledAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await idle.CloseAsync(null).WaitAsync(TimeSpan.FromSeconds(10)); // the running close's task
        Assert.Equal(1, manager.Count);
        Assert.True(manager.TryGetConnection(busy.ConnectionToken, out _));
        Assert.False(busy.IsClosing);
        busy.ReleaseReader(lease!);
        await busy.CloseAsync(null);
        Assert.Equal(0, manager.Count);
    }

    [Fact]
    public void TheConnectionLayerRunsOnTheRegisteredClock_TheSystemOneByDefault()
    {
        using (var services = new ServiceCollection().AddSignalRLiteConnections().BuildServiceProvider())
        {
            Assert.Same(TimeProvider.System, services.GetRequiredService<TimeProvider>());
            Assert.Same(TimeProvider.System, services.GetRequiredService<HttpConnectionManager>().TimeProvider);
        }

        using (var services = new ServiceCollection().AddSignalRLite().Services.BuildServiceProvider())
        {
            Assert.Same(TimeProvider.System, services.GetRequiredService<TimeProvider>());
        }

        var fake = new FakeTimeProvider();
        using (var services = new ServiceCollection().AddSingleton<TimeProvider>(fake).AddSignalRLite().Services.BuildServiceProvider())
        {
            var manager = services.GetRequiredService<HttpConnectionManager>();
            Assert.Same(fake, manager.TimeProvider);
            Assert.Same(fake, manager.CreateConnection(new HttpConnectionDispatcherOptions()).TimeProvider);
        }
    }

    [Fact]
    public async Task ThePostQueueIsCreatedOnFirstUse_OnceUnderConcurrency()
    {
        var (manager, connection) = Create();
        using var owner = manager;
        Assert.False(connection.HasPostQueue);
        var queues = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => connection.Posts)));
        Assert.True(connection.HasPostQueue);
        Assert.All(queues, q => Assert.Same(connection.Posts, q));
    }
}

internal static class CancellationTokenTestExtensions
{
    public static Task WhenCanceledAsync(this CancellationToken token)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(() => tcs.TrySetResult());
        return tcs.Task;
    }
}
