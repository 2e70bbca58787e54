using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using SignalRLite.Http.Connections;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// The send side of SSE and Long Polling: each POST's body goes into the connection's input pipe, one POST at a
/// time in arrival order (<see cref="PostQueue"/>).
/// </summary>
internal sealed partial class HttpConnectionDispatcher
{
    private async Task ExecuteSendAsync(HttpContext context)
    {
        var connection = await GetConnectionAsync(context).ConfigureAwait(false);
        if (connection is null)
        {
            return;
        }

        if (connection.TransportType == HttpTransportType.WebSockets)
        {
            await RefuseWebSocketPostAsync(context).ConfigureAwait(false);
            return;
        }

        // One write path per connection: a POST that arrives while another one's body is being copied waits for its
        // turn (the official server does the same), until its request is aborted or the connection closes.
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, connection.TransportClosing);
        bool entered;
        try
        {
            entered = await connection.Posts.EnterAsync(cancellation.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            if (!context.RequestAborted.IsCancellationRequested)
            {
                AnswerEmpty(context, StatusCodes.Status404NotFound);
            }

            return;
        }

        if (!entered)
        {
            await RefuseAsync(context, StatusCodes.Status409Conflict, "Too many POST requests are waiting for this connection.").ConfigureAwait(false);
            return;
        }

        try
        {
            await CopyPostAsync(context, connection, cancellation.Token).ConfigureAwait(false);
        }
        finally
        {
            connection.Posts.Exit();
        }
    }

    private async Task CopyPostAsync(HttpContext context, HttpConnectionContext connection, CancellationToken cancellationToken)
    {
        var status = connection.TryAttachWriter(out var lease);
        if (status == AttachStatus.TransportMismatch)
        {
            await RefuseWebSocketPostAsync(context).ConfigureAwait(false);
            return;
        }

        if (status != AttachStatus.Attached)
        {
            // The connection is closing (the official server answers an empty 404 until it is gone).
            AnswerEmpty(context, StatusCodes.Status404NotFound);
            return;
        }

        try
        {
            connection.UpdateFromRequest(context);
            try
            {
                long received;
                if (context.Request.ContentLength is { } declared)
                {
                    // By the declared length (the .NET and JavaScript clients send one): the copy needs no counting.
                    await context.Request.BodyReader.CopyToAsync(connection.Application.Output, cancellationToken).ConfigureAwait(false);
                    received = declared;
                }
                else
                {
                    // Chunked: counted while copied (a body that fails half-way is not counted).
                    received = await CopyCountingAsync(context.Request.BodyReader, connection.Application.Output, cancellationToken).ConfigureAwait(false);
                }

                connection.CountBytes(connection.TransportType, inbound: true, received);
            }
            catch (OperationCanceledException) when (connection.TransportClosing.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
            {
                AnswerEmpty(context, StatusCodes.Status404NotFound);
                return;
            }

            if (connection.IsClosing)
            {
                // Closed (a DELETE, say) while the body was still coming: 404 as on the official server, whether or
                // not the close got as far as cancelling the copy (it does so asynchronously).
                AnswerEmpty(context, StatusCodes.Status404NotFound);
                return;
            }

            TransportLog.PostReceived(_logger, connection.ConnectionId, context.Request.ContentLength ?? -1);
            AnswerEmpty(context, StatusCodes.Status200OK);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
        finally
        {
            connection.ReleaseWriter(lease!);
        }
    }

    /// <summary>
    /// <see cref="PipeReader.CopyToAsync(PipeWriter, CancellationToken)"/> that
    /// also returns the bytes copied: the same stops (a cancelled read or flush throws, a completed writer ends the copy).
    /// </summary>
    private static async Task<long> CopyCountingAsync(PipeReader body, PipeWriter output, CancellationToken cancellationToken)
    {
        long copied = 0;
        while (true)
        {
            var result = await body.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            try
            {
                if (result.IsCanceled)
                {
                    throw new OperationCanceledException("The read was canceled.");
                }

                foreach (var segment in buffer)
                {
                    output.Write(segment.Span);
                }

                copied += buffer.Length;
                var flush = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flush.IsCanceled)
                {
                    throw new OperationCanceledException("The flush was canceled.");
                }

                if (flush.IsCompleted || result.IsCompleted)
                {
                    return copied;
                }
            }
            finally
            {
                body.AdvanceTo(buffer.End);
            }
        }
    }

    private Task RefuseWebSocketPostAsync(HttpContext context) =>
        RefuseAsync(context, StatusCodes.Status405MethodNotAllowed, "POST requests are not allowed for WebSocket connections.");
}
