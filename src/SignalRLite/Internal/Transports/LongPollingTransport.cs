using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SignalRLite.Http.Connections;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// Server-to-client half of the Long Polling transport (TransportProtocols.md, "Long Polling"): each poll takes everything the application
/// has written so far, waits up to the poll timeout for more, or answers 204 once the connection is over.
/// </summary>
internal static class LongPollingTransport
{
    private const string TextPlain = "text/plain";
    private const string OctetStream = "application/octet-stream";

    public static async Task PollAsync(
        HttpContext context,
        HttpConnectionContext connection,
        HttpConnectionDispatcherOptions options,
        ConnectionDelegate connectionDelegate,
        IServiceProvider services,
        ILogger logger)
    {
        // Cancelled by the request's abort, the connection's close, a newer poll (through the lease) or the poll timeout.
        // Not a linked source: only a source created with a TimeProvider times out on it (CancelAfter below).
        using var cancellation = new CancellationTokenSource(Timeout.InfiniteTimeSpan, connection.TimeProvider);
        using var aborted = context.RequestAborted.UnsafeRegister(CancelSource, cancellation);
        using var closing = connection.TransportClosing.UnsafeRegister(CancelSource, cancellation);
        var lease = new TransportLease(cancellation);
        var status = await connection.AttachPollAsync(lease).ConfigureAwait(false);
        if (status == AttachStatus.Closed)
        {
            // Measured on the official server: once the connection is closing (DELETE, abort), polls get an empty 404.
            Complete(context, connection, StatusCodes.Status404NotFound, logger);
            return;
        }

        if (status == AttachStatus.ClosedWhileWaiting)
        {
            // A newer poll still taking over from an older one when the connection closes: 404, as the official server.
            Complete(context, connection, StatusCodes.Status404NotFound, logger);
            return;
        }

        if (status == AttachStatus.TransportMismatch)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            context.Response.ContentType = TextPlain;
            await context.Response.WriteAsync("Cannot change transports mid-connection").ConfigureAwait(false);
            return;
        }

        try
        {
            connection.UpdateFromRequest(context);
            if (!connection.ApplicationStarted)
            {
                // First poll: it only establishes the transport and must not wait (TransportProtocols.md, "Long Polling").
                connection.HttpContext = HttpContextSnapshot.Create(context, services);
                connection.StartApplication(connectionDelegate);
                context.Response.ContentLength = 0;
                Complete(context, connection, StatusCodes.Status200OK, logger, OctetStream);
                return;
            }

            if (connection.HttpContext is { } snapshot)
            {
                snapshot.User = context.User;
            }

            if (connection.OutputDrained)
            {
                Complete(context, connection, StatusCodes.Status204NoContent, logger);
                _ = connection.CloseAsync(null);
                return;
            }

            var reader = connection.Application.Input;
            cancellation.CancelAfter(options.LongPolling.PollTimeout);
            ReadResult result;
            try
            {
                result = await reader.ReadAsync(cancellation.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                if (lease.Superseded || connection.TransportClosing.IsCancellationRequested)
                {
                    Complete(context, connection, StatusCodes.Status204NoContent, logger);
                }
                else if (!context.RequestAborted.IsCancellationRequested)
                {
                    context.Response.ContentLength = 0;
                    Complete(context, connection, StatusCodes.Status200OK, logger);
                }

                return;
            }
            catch (Exception ex)
            {
                // The application completed its output with an error: the connection is over.
                TransportLog.SendFailed(logger, connection.ConnectionId, ex);
                connection.MarkOutputDrained();
                Complete(context, connection, StatusCodes.Status204NoContent, logger);
                _ = connection.CloseAsync(null);
                return;
            }

            var buffer = result.Buffer;
            if (buffer.IsEmpty)
            {
                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    connection.MarkOutputDrained();
                    _ = connection.CloseAsync(null);
                }

                Complete(context, connection, StatusCodes.Status204NoContent, logger);
                return;
            }

            var length = buffer.Length;
            connection.CountBytes(HttpTransportType.LongPolling, inbound: false, length);
            var response = context.Response;
            response.StatusCode = StatusCodes.Status200OK;
            // Always binary, whatever the transfer format (the official server does the same; clients read bytes).
            response.ContentType = OctetStream;
            response.ContentLength = length;
            foreach (var segment in buffer)
            {
                response.BodyWriter.Write(segment.Span);
            }

            reader.AdvanceTo(buffer.End);
            if (result.IsCompleted)
            {
                connection.MarkOutputDrained();
            }

            TransportLog.PollCompleted(logger, connection.ConnectionId, StatusCodes.Status200OK, length);
            await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
        finally
        {
            connection.ReleaseReader(lease);
        }
    }

    // The registrations are disposed before the source (declared after it), and disposing one waits for a running callback.
    private static void CancelSource(object? state) => ((CancellationTokenSource)state!).Cancel();

    /// <summary>Answers without a body: <c>text/plain</c> (the official server's type for empty poll answers) unless told otherwise.</summary>
    private static void Complete(HttpContext context, HttpConnectionContext connection, int statusCode, ILogger logger, string contentType = TextPlain)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = contentType;
        TransportLog.PollCompleted(logger, connection.ConnectionId, statusCode, 0);
    }
}
