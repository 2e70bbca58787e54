using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using SignalRLite.Http.Connections;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// Server-to-client half of the SSE transport (TransportProtocols.md, "Server-Sent Events"): one long response, each chunk of application output
/// written as one event of <c>data: </c> lines. Client-to-server bytes arrive by POST.
/// </summary>
internal static class ServerSentEventsTransport
{
    private static readonly byte[] CommentLine = ":\r\n"u8.ToArray();

    private static ReadOnlySpan<byte> DataPrefix => "data: "u8;

    private static ReadOnlySpan<byte> Newline => "\r\n"u8;

    public static async Task ProcessAsync(
        HttpContext context,
        HttpConnectionContext connection,
        HttpConnectionDispatcherOptions options,
        ConnectionDelegate connectionDelegate,
        ILogger logger)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache,no-store"; // byte for byte the official server's value
        response.Headers.Pragma = "no-cache";
        response.Headers.ContentEncoding = "identity";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var reader = connection.Application.Input;
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, connection.TransportClosing);

        // TransportSendTimeout: a flush still pending when the timer fires aborts the request. TryReset drops
        // registrations, so the abort callback is registered around each flush.
        using var sendTimeout = new CancellationTokenSource(Timeout.InfiniteTimeSpan, connection.TimeProvider);
        var timeout = options.TransportSendTimeout;
        var useTimeout = timeout > TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan;
        try
        {
            // An SSE comment line, as the official server sends: opens the stream for the client at once.
            await response.BodyWriter.WriteAsync(CommentLine, cancellation.Token).ConfigureAwait(false);
            TransportLog.SseStarted(logger, connection.ConnectionId);
            connection.StartApplication(connectionDelegate);

            while (true)
            {
                var result = await reader.ReadAsync(cancellation.Token).ConfigureAwait(false);

                var buffer = result.Buffer;
                try
                {
                    if (!buffer.IsEmpty)
                    {
                        WriteEvent(response.BodyWriter, buffer);
                        connection.CountBytes(HttpTransportType.ServerSentEvents, inbound: false, buffer.Length);
                        FlushResult flush;
                        if (useTimeout)
                        {
                            using var abortOnTimeout = sendTimeout.Token.UnsafeRegister(static s => ((HttpContext)s!).Abort(), context);
                            sendTimeout.CancelAfter(timeout);
                            flush = await response.BodyWriter.FlushAsync(cancellation.Token).ConfigureAwait(false);
                        }
                        else
                        {
                            flush = await response.BodyWriter.FlushAsync(cancellation.Token).ConfigureAwait(false);
                        }

                        if (!sendTimeout.TryReset())
                        {
                            TransportLog.SendTimedOut(logger, connection.ConnectionId);
                            break;
                        }

                        if (flush.IsCanceled || flush.IsCompleted)
                        {
                            break;
                        }
                    }
                    else if (result.IsCompleted || result.IsCanceled)
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
        catch (Exception) when (sendTimeout.IsCancellationRequested)
        {
            TransportLog.SendTimedOut(logger, connection.ConnectionId);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            // The application completed its output with an error, or the response failed.
            TransportLog.SendFailed(logger, connection.ConnectionId, ex);
        }

        connection.CompleteTransportOutput();
        TransportLog.SseEnded(logger, connection.ConnectionId);
    }

    /// <summary>Writes one event: each line of <paramref name="payload"/> (split at CRLF, LF or CR) as <c>data: line\r\n</c>, then <c>\r\n</c>.</summary>
    internal static void WriteEvent(IBufferWriter<byte> output, in ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);
        while (true)
        {
            output.Write(DataPrefix);
            if (reader.TryReadToAny(out ReadOnlySequence<byte> line, "\r\n"u8, advancePastDelimiter: false))
            {
                Write(output, line);
                output.Write(Newline);
                reader.TryRead(out var delimiter);
                if (delimiter == (byte)'\r')
                {
                    reader.IsNext((byte)'\n', advancePast: true);
                }
            }
            else
            {
                Write(output, reader.UnreadSequence);
                output.Write(Newline);
                break;
            }
        }

        output.Write(Newline);
    }

    private static void Write(IBufferWriter<byte> output, in ReadOnlySequence<byte> bytes)
    {
        foreach (var segment in bytes)
        {
            output.Write(segment.Span);
        }
    }
}
