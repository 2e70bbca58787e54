using System.IO.Pipelines;
using Microsoft.Extensions.Logging;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// Reads and drops what the application writes while its connection has no socket (stateful reconnect, between a drop
/// and the next socket), so that application writers never block on a full pipe. The application replays what counts
/// after the reattach.
/// </summary>
/// <remarks>
/// Thread-safety: <see cref="StopAsync"/> may be called once, from any thread, while the loop runs on the thread pool.
/// <see cref="_stopping"/> is the only shared state: written once (false → true) before the pending read is cancelled,
/// and the loop reads it after every read returns, so the loop sees it at the latest after the cancelled read.
/// </remarks>
internal sealed class OutputDrain
{
    private readonly PipeReader _reader;
    private readonly ILogger _logger;
    private readonly string _connectionId;
    private readonly Task _loop;
    private volatile bool _stopping;

    public OutputDrain(PipeReader reader, ILogger logger, string connectionId)
    {
        _reader = reader;
        _logger = logger;
        _connectionId = connectionId;
        _loop = RunAsync();
    }

    /// <summary>Stops the loop and waits for it; the reader is left uncompleted for its owner.</summary>
    public async Task StopAsync()
    {
        _stopping = true;
        _reader.CancelPendingRead();
        await _loop.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        // Never run the loop inline: the caller may hold the connection's lock.
        await Task.Yield();
        try
        {
            while (!_stopping)
            {
                // Resumed on the thread pool (the output pipe's reader scheduler); it only drops what it read.
                var result = await _reader.ReadAsync().ConfigureAwait(false);
                _reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            TransportLog.SendFailed(_logger, _connectionId, ex);
        }
    }
}
