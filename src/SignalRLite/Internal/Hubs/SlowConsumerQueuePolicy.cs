using Microsoft.AspNetCore.Connections;

namespace SignalRLite.Internal.Hubs;

/// <summary>
/// The slow-consumer policy of fan-out writes (see <see cref="HubConnectionContext.WriteFanOut"/>): a send waits for a
/// slow client, which slows the sender to its pace, but not for a stalled one (nothing flushed for
/// <see cref="HubConnectionContext.StalledAfter"/>): its messages just queue, and once more than
/// <see cref="HubConnectionContextOptions.MaximumQueuedMessages"/> wait the client is closed. Without a limit, every send
/// waits for every write.
/// </summary>
/// <remarks>
/// Lock-free: the only state is the count of queued writes, changed with <see cref="Interlocked"/>; closing is idempotent
/// (<see cref="HubConnectionContext.RequestClose(HubConnectionCloseReason)"/> keeps the first reason).
/// </remarks>
internal sealed class SlowConsumerQueuePolicy(HubConnectionContext connection, HubConnectionWriter writer, int? limit) : IOutboundQueuePolicy
{
    private int _queued;

    public Task? OnPendingWrite(ValueTask write)
    {
        if (limit is not { } max)
        {
            return write.AsTask();
        }

        if (Interlocked.Increment(ref _queued) > max)
        {
            CloseSlowClient(max);
        }

        // Counted out only when it was counted in (a listener may attach meanwhile).
        var metrics = connection.Metrics;
        var counted = metrics is not null && metrics.OutboundQueueEnabled;
        if (counted)
        {
            metrics!.OutboundQueueChanged(connection.MetricsHubName, 1);
        }

        var queued = AwaitQueuedAsync(write, counted ? metrics : null);
        return writer.IsStalled(HubConnectionContext.StalledAfter) ? null : queued;
    }

    private async Task AwaitQueuedAsync(ValueTask write, SignalRLite.Internal.Diagnostics.SignalRLiteMetrics? counted)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The sender's token: the message is simply not sent.
        }
        finally
        {
            Interlocked.Decrement(ref _queued);
            counted?.OutboundQueueChanged(connection.MetricsHubName, -1);
        }
    }

    /// <summary>The client reads nothing while its queue overflows: abort the transport (a Close message could not get through).</summary>
    private void CloseSlowClient(int max)
    {
        if (connection.CloseReason != HubConnectionCloseReason.None)
        {
            return;
        }

        HubLog.SlowClient(connection.Logger, connection.ConnectionId, max);
        connection.Metrics?.SlowConsumerClosed(connection.MetricsHubName);
        connection.RequestClose(HubConnectionCloseReason.SlowClient);
        // Ends the pending flush, which lets the queued writes drain (they find the output closed).
        connection.ConnectionContext.Abort(new ConnectionAbortedException($"The client read nothing while more than {max} messages waited for it."));
    }
}
