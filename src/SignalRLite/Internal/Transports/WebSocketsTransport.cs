using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// Full-duplex transport over one accepted WebSocket (PROTOCOL.md §5). A receive loop copies frames into the input pipe,
/// a send loop copies the application's output into frames; the loop that ends first decides how the socket closes.
/// </summary>
internal sealed class WebSocketsTransport
{
    private readonly WebSocket _socket;
    private readonly HttpConnectionContext _connection;
    private readonly HttpConnectionDispatcherOptions _options;
    private readonly ILogger _logger;
    private volatile bool _aborted;

    public WebSocketsTransport(WebSocket socket, HttpConnectionContext connection, HttpConnectionDispatcherOptions options, ILogger logger)
    {
        _socket = socket;
        _connection = connection;
        _options = options;
        _logger = logger;
    }

    /// <summary>Runs until the socket is closed or aborted; returns the error that ended the client's side, if any.</summary>
    public async Task<Exception?> ProcessAsync()
    {
        using var closingRegistration = _connection.TransportClosing.UnsafeRegister(static s => ((WebSocketsTransport)s!).OnConnectionClosing(), this);

        var receiving = ReceiveAsync();
        var sending = SendAsync();

        if (await Task.WhenAny(receiving, sending).ConfigureAwait(false) == receiving)
        {
            var receiveError = await receiving.ConfigureAwait(false);
            if (receiveError is not null)
            {
                _connection.Application.Input.CancelPendingRead();
            }

            // Graceful: the application sees its input end, finishes, and completes its output; the send loop then
            // answers the client's close frame.
            await sending.ConfigureAwait(false);
            return receiveError;
        }

        await sending.ConfigureAwait(false);
        try
        {
            await receiving.WaitAsync(_options.WebSockets.CloseTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            TransportLog.WebSocketCloseTimedOut(_logger, _connection.ConnectionId);
            Abort();
        }

        return await receiving.ConfigureAwait(false);
    }

    /// <summary>
    /// A graceful close (host shutdown, DELETE) stops the send loop, which then sends close frame 1000 and waits for the
    /// client's answer; any other reason aborts the socket.
    /// </summary>
    private void OnConnectionClosing()
    {
        if (_connection.CloseError is null)
        {
            _connection.Application.Input.CancelPendingRead();
        }
        else
        {
            Abort();
        }
    }

    private void Abort()
    {
        _aborted = true;
        _socket.Abort();
        _connection.Application.Input.CancelPendingRead();
    }

    private async Task<Exception?> ReceiveAsync()
    {
        var writer = _connection.Application.Output;
        Exception? error = null;
        try
        {
            while (true)
            {
                // Zero-byte read first: an idle connection holds no pipe memory while it waits.
                var result = await _socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None).ConfigureAwait(false);
                if (result.MessageType != WebSocketMessageType.Close)
                {
                    var memory = writer.GetMemory();
                    result = await _socket.ReceiveAsync(memory, CancellationToken.None).ConfigureAwait(false);
                }

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    TransportLog.WebSocketClientClosed(_logger, _connection.ConnectionId, _socket.CloseStatus);
                    break;
                }

                writer.Advance(result.Count);
                var flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted)
                {
                    // The application stopped reading: discard further frames until the client's close frame.
                    await DrainAsync().ConfigureAwait(false);
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            if (!_aborted)
            {
                TransportLog.WebSocketLost(_logger, _connection.ConnectionId, ex);
            }

            error = ex is OperationCanceledException or ObjectDisposedException || _aborted
                ? new ConnectionAbortedException("The WebSocket was aborted.", ex)
                : ex;
        }

        _connection.CompleteTransportInput(error);
        return error;
    }

    private async Task DrainAsync()
    {
        var scratch = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while ((await _socket.ReceiveAsync(scratch.AsMemory(), CancellationToken.None).ConfigureAwait(false)).MessageType != WebSocketMessageType.Close)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private async Task SendAsync()
    {
        var reader = _connection.Application.Input;
        var closeStatus = WebSocketCloseStatus.NormalClosure;
        using var sendTimeout = new CancellationTokenSource();
        var timeout = _options.TransportSendTimeout;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    if (result.IsCanceled)
                    {
                        break;
                    }

                    if (!buffer.IsEmpty)
                    {
                        var messageType = _connection.ActiveFormat == TransferFormat.Binary
                            ? WebSocketMessageType.Binary
                            : WebSocketMessageType.Text;
                        if (timeout > TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
                        {
                            sendTimeout.CancelAfter(timeout);
                        }

                        try
                        {
                            await SendBufferAsync(buffer, messageType, sendTimeout.Token).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException) when (sendTimeout.IsCancellationRequested)
                        {
                            TransportLog.SendTimedOut(_logger, _connection.ConnectionId);
                            Abort();
                            _ = _connection.CloseAsync(new ConnectionAbortedException("A send did not complete within the transport send timeout."));
                            break;
                        }

                        if (!sendTimeout.TryReset())
                        {
                            TransportLog.SendTimedOut(_logger, _connection.ConnectionId);
                            Abort();
                            _ = _connection.CloseAsync(new ConnectionAbortedException("A send did not complete within the transport send timeout."));
                            break;
                        }
                    }
                    else if (result.IsCompleted)
                    {
                        break;
                    }
                }
                finally
                {
                    reader.AdvanceTo(buffer.End);
                }

                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            // The application completed its output with an error, or the socket failed.
            closeStatus = WebSocketCloseStatus.InternalServerError;
            if (!_aborted)
            {
                TransportLog.SendFailed(_logger, _connection.ConnectionId, ex);
            }
        }

        _connection.CompleteTransportOutput();

        if (!_aborted && _socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                using var closeTimeout = new CancellationTokenSource(_options.WebSockets.CloseTimeout);
                await _socket.CloseOutputAsync(closeStatus, null, closeTimeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                TransportLog.SendFailed(_logger, _connection.ConnectionId, ex);
                Abort();
            }
        }
    }

    private ValueTask SendBufferAsync(in ReadOnlySequence<byte> buffer, WebSocketMessageType messageType, CancellationToken cancellationToken)
    {
        if (buffer.IsSingleSegment)
        {
            return _socket.SendAsync(buffer.First, messageType, endOfMessage: true, cancellationToken);
        }

        return SendMultiSegmentAsync(buffer, messageType, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendMultiSegmentAsync(ReadOnlySequence<byte> buffer, WebSocketMessageType messageType, CancellationToken cancellationToken)
    {
        var position = buffer.Start;
        buffer.TryGet(ref position, out var previous);
        while (buffer.TryGet(ref position, out var segment))
        {
            if (!previous.IsEmpty)
            {
                await _socket.SendAsync(previous, messageType, WebSocketMessageFlags.None, cancellationToken).ConfigureAwait(false);
            }

            previous = segment;
        }

        await _socket.SendAsync(previous, messageType, WebSocketMessageFlags.EndOfMessage, cancellationToken).ConfigureAwait(false);
    }
}
