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
/// Full-duplex transport over one accepted WebSocket (TransportProtocols.md, "WebSockets"), in one of two shapes:
/// <list type="bullet">
/// <item>without stateful reconnect (the default), the direct pipes: the application reads the socket through a
/// <see cref="WebSocketInput"/> and sends on it when it flushes a <see cref="WebSocketOutput"/>; no loop runs, and the
/// output's end runs <see cref="EndDirectAsync"/>;</item>
/// <item>with stateful reconnect, two pipes that outlive the socket: a receive loop copies whole messages into the
/// input pipe, a send loop copies the application's output into frames; the loop that ends first decides how the socket
/// closes.</item>
/// </list>
/// </summary>
internal sealed class WebSocketsTransport : IDuplexPipe
{
    private readonly WebSocket _socket;
    private readonly HttpConnectionContext _connection;
    private readonly HttpConnectionDispatcherOptions _options;
    private readonly ILogger _logger;
    private volatile bool _aborted;
    private volatile bool _lost;
    private readonly PipeReader? _outputReader; // the output pipe (stateful reconnect only), captured: a reattach gives the connection a new one
    private WebSocketInput? _input; // the direct pipes (no stateful reconnect): set before the application starts
    private WebSocketOutput? _output;
    private TransportLease? _lease;
    private TaskCompletionSource? _ended; // completed when the direct transport's end finished (the request returns its task)

    public WebSocketsTransport(WebSocket socket, HttpConnectionContext connection, HttpConnectionDispatcherOptions options, ILogger logger)
    {
        _socket = socket;
        _connection = connection;
        _options = options;
        _logger = logger;
        // Without stateful reconnect the application uses the socket directly (CreateDirectPipes): no output pipe is read.
        _outputReader = connection.UseStatefulReconnect ? connection.Application.Input : null;
    }

    /// <summary>
    /// The socket dropped without a close frame on a connection that can reconnect: the pipes were left as they are for
    /// a new socket (the input not completed, the output not released).
    /// </summary>
    public bool Lost => _lost;

    public bool IsAborted => _aborted;

    public ILogger Logger => _logger;

    public WebSocket Socket => _socket;

    public HttpConnectionContext Connection => _connection;

    public HttpConnectionDispatcherOptions Options => _options;

    /// <summary>
    /// Without stateful reconnect, the application reads the socket itself (<see cref="WebSocketInput"/>) and its
    /// flushes send on the socket (<see cref="WebSocketOutput"/>): no pipes, no receive or send loop. Called before the
    /// application starts; from then on this transport owns <paramref name="lease"/> and ends the request's work itself.
    /// </summary>
    public void CreateDirectPipes(TransportLease lease)
    {
        Debug.Assert(!_connection.UseStatefulReconnect, "A socket swap needs the pipes.");
        _lease = lease;
        _ended = new TaskCompletionSource();
        _input = new WebSocketInput(_socket, _connection, this, _options.TransportMaxBufferSize);
        _output = new WebSocketOutput(this);
    }

    /// <summary>The direct input (after <see cref="CreateDirectPipes"/>): the transport is the application's duplex pipe itself.</summary>
    public WebSocketInput Input => _input ?? throw new InvalidOperationException("No direct pipes.");

    /// <summary>The direct output (after <see cref="CreateDirectPipes"/>).</summary>
    public WebSocketOutput Output => _output ?? throw new InvalidOperationException("No direct pipes.");

    PipeReader IDuplexPipe.Input => Input;

    PipeWriter IDuplexPipe.Output => Output;

    /// <summary>Runs until the socket is closed or aborted; returns the error that ended the client's side, if any.</summary>
    /// <remarks>
    /// With the pipes (stateful reconnect); the direct pipes run with <see cref="RunDirectAsync"/>. A reattached socket
    /// passes <paramref name="receiveAfter"/>, the reattach, done once the application writes to the new output pipe:
    /// the socket sends at once (the replay may need it), but its messages reach the application only then. A message
    /// handled earlier would be answered into the old pipe, which is dropped: a refused Sequence lost its Close so, and
    /// the client saw the socket close without a reason. A failed reattach receives nothing (the request handles it).
    /// </remarks>
    public async Task<Exception?> ProcessAsync(Task? receiveAfter = null)
    {
        Debug.Assert(_input is null, "The direct pipes run with RunDirectAsync.");
        var receiving = receiveAfter is null ? ReceiveAsync() : ReceiveAfterAsync(receiveAfter);
        var sending = SendAsync();

        // The send loop ends last in every graceful case: when the client closes, the application sees its input end and
        // completes its output, and the send loop answers the close frame; a receive error stops it (ReceiveAsync).
        await sending.ConfigureAwait(false);
        await WaitForClientCloseAsync(receiving).ConfigureAwait(false);
        return await receiving.ConfigureAwait(false);
    }

    /// <summary>
    /// The direct pipes: starts receiving and returns a task that completes when the transport's end finished
    /// (<see cref="EndDirectAsync"/>): nothing is parked for an idle connection but the pending receive. The request
    /// returns this task (see HttpConnectionDispatcher.WebSockets.cs).
    /// </summary>
    public Task RunDirectAsync()
    {
        _input!.Start();
        return _ended!.Task;
    }

    /// <summary>
    /// The direct output ended (the application completed it, the connection is closing, a send failed, the client's
    /// side was lost): what the send loop's tail and then the WebSocket request did. Sends the close frame (what the
    /// application committed before completing was sent before this), waits for the client's close, then lets go of the
    /// connection (the lease), disposes the socket and closes the connection with the client's error, if any. Runs once
    /// (<see cref="WebSocketOutput"/>).
    /// </summary>
    internal async Task EndDirectAsync(WebSocketCloseStatus status)
    {
        try
        {
            _connection.CompleteTransportOutput();
            await CloseOutputAsync(status).ConfigureAwait(false);
            var input = _input!;
            await WaitForClientCloseAsync(input.WhenEndedAsync()).ConfigureAwait(false);

            // The request's part, in its order (a direct transport never waits for a reconnect): no longer the active
            // socket, the socket disposed, the lease released, then the connection closed with the client's error.
            var clientError = input.Error;
            _connection.SetActiveWebSocket(null);
            _socket.Dispose();
            _connection.ReleaseReader(_lease!);
            await _connection.CloseAsync(clientError).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            TransportLog.SendFailed(_logger, _connection.ConnectionId, ex);
        }
        finally
        {
            _ended!.TrySetResult();
        }
    }

    // The close frame, bounded by CloseTimeout; skipped when the socket is gone or aborted, which it aborts on failure.
    private async Task CloseOutputAsync(WebSocketCloseStatus status)
    {
        if (_aborted || _socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        try
        {
            using var closeTimeout = new CancellationTokenSource(_options.WebSockets.CloseTimeout, _connection.TimeProvider);
            await _socket.CloseOutputAsync(status, null, closeTimeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            TransportLog.SendFailed(_logger, _connection.ConnectionId, ex);
            Abort();
        }
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
            StopSending();
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
            StopSending();
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
        StopSending();
        _input?.EndAborted();
    }

    // The send loop stops at its next read (a graceful close: it then sends close frame 1000), or the direct output ends.
    private void StopSending()
    {
        _outputReader?.CancelPendingRead();
        _output?.RequestEnd(WebSocketCloseStatus.NormalClosure);
    }

    private async Task<Exception?> ReceiveAfterAsync(Task receiveAfter)
    {
        try
        {
            await receiveAfter.ConfigureAwait(false);
        }
        catch (Exception)
        {
            return null; // the reattach failed: the request observes it and completes the pipes, which ends the send loop
        }

        return await ReceiveAsync().ConfigureAwait(false);
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
            _outputReader!.CancelPendingRead();
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

    // The send loop over the output pipe (stateful reconnect), then the close frame; ProcessAsync then waits for the
    // receive loop.
    private async Task SendAsync()
    {
        var reader = _outputReader!;
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
            // The output pipe stays with the connection (it is drained, then replaced on reattach).
            return;
        }

        _connection.CompleteTransportOutput();
        await CloseOutputAsync(closeStatus).ConfigureAwait(false);
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
