using Microsoft.Extensions.Logging.Abstractions;
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
        var manager = new HttpConnectionManager(NullLoggerFactory.Instance, Options.Create(new ConnectionOptions { DisconnectTimeout = TimeSpan.FromMilliseconds(100) }));
        using var owner = manager;
        var idle = manager.CreateConnection(new HttpConnectionDispatcherOptions());
        var busy = manager.CreateConnection(new HttpConnectionDispatcherOptions());
        Assert.Equal(AttachStatus.Attached, busy.TryAttachStream(HttpTransportType.ServerSentEvents, out var lease));
        Assert.True(manager.TryGetConnection(idle.ConnectionToken, out _));
        await idle.ConnectionClosed.WhenCanceledAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await WaitUntilAsync(() => manager.Count == 1);
        Assert.True(manager.TryGetConnection(busy.ConnectionToken, out _));
        Assert.False(busy.IsClosing);
        busy.ReleaseReader(lease!);
        await busy.CloseAsync(null);
        Assert.Equal(0, manager.Count);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline);
            await Task.Delay(5);
        }
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
