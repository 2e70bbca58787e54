using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using SignalRLite.Protocol;

namespace SignalRLite.Internal.Hubs;

/// <summary>
/// The writer's stateful-reconnect steps (HubProtocol.md, "Ack" and "Sequence"): tracked writes kept for replay, the
/// Acks, and the replay onto a new transport. Each is an owner of the pipe like any other write (invariants I1 to I4
/// of HubConnectionWriter.cs); none of it runs for a connection without stateful reconnect.
/// </summary>
internal sealed partial class HubConnectionWriter
{
    /// <summary>A trackable message with stateful reconnect: kept for replay, and waits while the replay buffer is full.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteTrackedAsync(ReadOnlyMemory<byte> bytes, ReplayBuffer replay, CancellationToken cancellationToken)
    {
        while (true)
        {
            await AcquireAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_outputClosed)
                {
                    return;
                }

                // Numbered and written by the same owner: replay order = wire order.
                if (replay.TryAdd(bytes))
                {
                    if (WriteOwned(bytes.Span))
                    {
                        OnFlushed(await _output.FlushAsync(cancellationToken).ConfigureAwait(false));
                    }

                    return;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                OnWriteFailed(ex);
                return;
            }
            finally
            {
                Release();
            }

            // Backpressure: wait for an Ack without the pipe, so that pings, Acks and the reattach keep going.
            await replay.WaitForSpaceAsync(bytes.Length).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends an Ack for the trackable messages received since the last one, unless the pipe is busy. Never waits.</summary>
    public void TrySendAck()
    {
        if (_replay is not { } replay || !replay.TryGetPendingAck(out _) || !TryAcquire())
        {
            return;
        }

        // Read again as the owner: the value sent is the one recorded, with no other Ack in between (I1).
        replay.TryGetPendingAck(out var ack);
        var wrote = WriteOwned(static (w, ack) => w._connection.Protocol.WriteMessage(new AckMessage(ack), w._output), ack);
        if (wrote)
        {
            replay.AckSent(ack);
        }

        Forget(Finish(wrote, flush: true, default));
    }

    /// <summary>
    /// A new transport took over (stateful reconnect): from now on writes go to <paramref name="output"/>, starting with
    /// Sequence, the replay of every unacknowledged message in order, and the current Ack (the last one may have been
    /// lost with the socket).
    /// </summary>
    public async Task ReattachAsync(PipeWriter output)
    {
        await AcquireAsync(default).ConfigureAwait(false);
        // Swapped by the owner: no writer is in the middle of the old pipe (I1), and every later write, queued or not,
        // finds the new one.
        _output = output;
        var replay = _replay!;
        var wrote = WriteOwned(static (w, replay) =>
        {
            var first = replay.GetReplay(out var messages);
            w._connection.Protocol.WriteMessage(new SequenceMessage(first), w._output);
            long replayed = 0;
            foreach (var message in messages)
            {
                w._output.Write(message.Span);
                replayed += message.Length;
            }

            w._connection.Metrics?.Reattached(w._connection.MetricsHubName, replayed);

            replay.ResendAck();
            if (replay.TryGetPendingAck(out var ack))
            {
                w._connection.Protocol.WriteMessage(new AckMessage(ack), w._output);
                replay.AckSent(ack);
            }

            HubLog.Replayed(w._connection.Logger, w._connection.ConnectionId, first, messages.Length);
        }, replay);
        await Finish(wrote, flush: true, default).ConfigureAwait(false);
    }
}
