using System.Diagnostics;
using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using SignalRLite.Http.Connections;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// Full-duplex transport over one accepted WebSocket (TransportProtocols.md, "WebSockets"). A receive loop copies frames into the input pipe,
/// a send loop copies the application's output into frames; the loop that ends first decides how the socket closes.
/// </summary>
internal sealed class WebSocketsTransport
{
    private readonly WebSocket _socket;
    private readonly HttpConnectionContext _connection;
    private readonly HttpConnectionDispatcherOptions _options;
    private readonly ILogger _logger;
    private volatile bool _aborted;
    private volatile bool _lost;
    private readonly PipeReader _outputReader; // captured: a reattach gives the connection a new output pipe
    private WebSocketInput? _input; // set before the application starts: the application reads the socket itself

    public WebSocketsTransport(WebSocket socket, HttpConnectionContext connection, HttpConnectionDispatcherOptions options, ILogger logger)
    {
        _socket = socket;
        _connection = connection;
        _options = options;
        _logger = logger;
        _outputReader = connection.Application.Input;
    }

    /// <summary>
    /// The socket dropped without a close frame on a connection that can reconnect: the pipes were left as they are for
    /// a new socket (the input not completed, the output not released).
    /// </summary>
    public bool Lost => _lost;

    public bool IsAborted => _aborted;

    public ILogger Logger => _logger;

    /// <summary>
    /// Without stateful reconnect, the application's input is the socket itself (<see cref="WebSocketInput"/>), not a
    /// pipe that a receive loop fills; called before the application starts.
    /// </summary>
    public WebSocketInput CreateDirectInput() => _input = new WebSocketInput(_socket, _connection, this, _options.TransportMaxBufferSize);

    /// <summary>Runs until the socket is closed or aborted; returns the error that ended the client's side, if any.</summary>
    /// <remarks>With the receive loop (stateful reconnect); a direct input runs with <see cref="RunDirectAsync"/>.</remarks>
    public async Task<Exception?> ProcessAsync()
    {
        Debug.Assert(_input is null, "A direct input runs with RunDirectAsync.");
        var receiving = ReceiveAsync();
        var sending = SendAsync(directInput: null, lease: null);

        // The send loop ends last in every graceful case: when the client closes, the application sees its input end and
        // completes its output, and the send loop answers the close frame; a receive error stops it (ReceiveAsync).
        await sending.ConfigureAwait(false);
        await WaitForClientCloseAsync(receiving).ConfigureAwait(false);
        return await receiving.ConfigureAwait(false);
    }

    /// <summary>
    /// A direct input (no stateful reconnect): runs until the socket is closed or aborted, then does what the WebSocket
    /// request did after its transport ended: lets go of the connection (<paramref name="lease"/>), disposes the socket
    /// and closes the connection with the client's error, if any. The request returns this task (see
    /// HttpConnectionDispatcher.WebSockets.cs), so the send loop is the one async method this transport parks for an
    /// idle connection.
    /// </summary>
    public Task RunDirectAsync(TransportLease lease)
    {
        var input = _input!;
        input.Start();
        return SendAsync(input, lease);
    }

    // After the send loop: the server closed first, or answered the client's close. Waits (bounded by CloseTimeout)
    // for the client's side to end (`ended`: the receive loop, or the direct input that reads on for the application
    // or discards once it let go); on timeout the socket is aborted, which ends it.
    private async Task WaitForClientCloseAsync(Task ended)
    {
        if (ended.IsCompleted)
        {
            return;
        }

        try
        {
            await ended.WaitAsync(_options.WebSockets.CloseTimeout, _connection.TimeProvider).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            TransportLog.WebSocketCloseTimedOut(_logger, _connection.ConnectionId);
            Abort();
        }
    }

    /// <summary>The direct input saw the client's side end; an error stops the send loop too.</summary>
    public void OnReceiveEnded(Exception? error)
    {
        if (error is not null)
        {
            _outputReader.CancelPendingRead();
        }
    }

    /// <summary>
    /// Called by the connection when it starts closing, while this transport is its active one (see
    /// <see cref="HttpConnectionContext.SetActiveWebSocket"/>), at most once. A graceful close (host shutdown, DELETE)
    /// stops the send loop, which then sends close frame 1000 and waits for the client's answer; any other reason aborts
    /// the socket.
    /// </summary>
    public void OnConnectionClosing()
    {
        if (_connection.CloseError is null)
        {
            _outputReader.CancelPendingRead();
        }
        else
        {
            Abort();
        }
    }

    public void Abort()
    {
        _aborted = true;
        _socket.Abort();
        _outputReader.CancelPendingRead();
        _input?.EndAborted();
    }

    private async Task<Exception?> ReceiveAsync()
    {
        var writer = _connection.Application.Output;
        Exception? error = null;
        try
        {
            if (_connection.UseStatefulReconnect)
            {
                await ReceiveWholeMessagesAsync(writer).ConfigureAwait(false);
            }
            else
            {
                // Frames go to the pipe as they come (inline, to keep one state machine per idle connection).
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
                    _connection.CountBytes(HttpTransportType.WebSockets, inbound: true, result.Count);
                    var flush = await FlushInputAsync(writer).ConfigureAwait(false);
                    if (flush.IsCompleted)
                    {
                        // The application stopped reading: discard further frames until the client's close frame.
                        await DrainAsync().ConfigureAwait(false);
                        break;
                    }
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

        if (error is not null && _connection.CanReconnect)
        {
            // Keep the application's input open for the next socket.
            _lost = true;
            TransportLog.WaitingForReconnect(_logger, _connection.ConnectionId);
        }
        else
        {
            _connection.CompleteTransportInput(error);
        }

        if (error is not null)
        {
            // The send loop stops too (ProcessAsync waits for it); it sees _lost, set above.
            _outputReader.CancelPendingRead();
        }

        return error;
    }

    /// <summary>
    /// Stateful reconnect: only whole WebSocket messages reach the input pipe, so that a socket dropping in the middle of a
    /// message leaves no fragment for the next socket's bytes to be appended to. Costs one copy per message.
    /// </summary>
    private async Task ReceiveWholeMessagesAsync(PipeWriter writer)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            var count = 0;
            while (true)
            {
                if (count == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, count).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var result = await _socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    TransportLog.WebSocketClientClosed(_logger, _connection.ConnectionId, _socket.CloseStatus);
                    return;
                }

                count += result.Count;
                _connection.CountBytes(HttpTransportType.WebSockets, inbound: true, result.Count);
                var oversized = _options.TransportMaxBufferSize > 0 && count > _options.TransportMaxBufferSize;
                if (!result.EndOfMessage && !oversized)
                {
                    continue;
                }

                // An oversized message goes through in pieces: the hub layer refuses it anyway.

                writer.Write(buffer.AsSpan(0, count));
                count = 0;
                var flush = await FlushInputAsync(writer).ConfigureAwait(false);
                if (flush.IsCompleted)
                {
                    await DrainAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Hands what was received to the application. The input pipe runs the hub's read loop inline in this call (no hop);
    /// what the hub writes back is sent by <see cref="SendAsync"/>, which the output pipe resumes on the thread pool.
    /// </summary>
    private static ValueTask<FlushResult> FlushInputAsync(PipeWriter writer) => writer.FlushAsync();

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

    // The send loop, then the close frame. With a direct input, also waits for the client's side to end and ends the
    // connection (RunDirectAsync); with the receive loop, returns null (ProcessAsync waits for that loop).
    private async Task<Exception?> SendAsync(WebSocketInput? directInput, TransportLease? lease)
    {
        var reader = _outputReader;
        var closeStatus = WebSocketCloseStatus.NormalClosure;
        var timeout = _options.TransportSendTimeout;
        var readingOutput = false;
        try
        {
            while (true)
            {
                readingOutput = true;
                var result = await reader.ReadAsync().ConfigureAwait(false);

                readingOutput = false;
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
                        // TransportSendTimeout: the connection's heartbeat closes it if this send is still pending then.
                        _connection.SendStarting(timeout);
                        try
                        {
                            await SendBufferAsync(buffer, messageType, CancellationToken.None).ConfigureAwait(false);
                            _connection.CountBytes(HttpTransportType.WebSockets, inbound: false, buffer.Length);
                        }
                        finally
                        {
                            _connection.SendCompleted();
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

            if (!readingOutput && _connection.CanReconnect)
            {
                // The socket failed: the receive loop sees the abort and keeps the connection for a new socket.
                _lost = true;
                Abort();
            }
        }

        if (_lost)
        {
            // The output pipe stays with the connection (it is drained, then replaced on reattach). Only with the receive
            // loop: a direct input never reconnects.
            return null;
        }

        _connection.CompleteTransportOutput();

        if (!_aborted && _socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                using var closeTimeout = new CancellationTokenSource(_options.WebSockets.CloseTimeout, _connection.TimeProvider);
                await _socket.CloseOutputAsync(closeStatus, null, closeTimeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                TransportLog.SendFailed(_logger, _connection.ConnectionId, ex);
                Abort();
            }
        }

        if (directInput is null)
        {
            return null;
        }

        await WaitForClientCloseAsync(directInput.WhenEndedAsync()).ConfigureAwait(false);

        // The request's part, in its order (a direct input never waits for a reconnect): no longer the active socket,
        // the socket disposed, the lease released, then the connection closed with the client's error.
        var clientError = directInput.Error;
        _connection.SetActiveWebSocket(null);
        _socket.Dispose();
        _connection.ReleaseReader(lease!);
        await _connection.CloseAsync(clientError).ConfigureAwait(false);
        return null;
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
