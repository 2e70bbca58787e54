using System.IO.Pipelines;

namespace SignalRLite.Internal.Connections;

/// <summary>
/// Implemented by a transport's output (<c>ConnectionContext.Transport.Output</c>) whose <see cref="PipeWriter.FlushAsync"/>
/// sends on the flushing thread: this send leaves the socket send to a thread-pool work item instead, so that a send to
/// many connections does not run every socket send on the sender's thread, and what is written to a connection while
/// its work item waits goes out with it. The hub layer uses it for the writes of a send to many connections and for
/// Pings; an output without it (a pipe, whose reader already runs on the thread pool) is written and flushed.
/// </summary>
internal interface IThreadPoolFlushFeature
{
    /// <summary>
    /// Commits what was written and then <paramref name="bytes"/>, which stay valid and unchanged until sent (a message
    /// serialised once for many connections): sent by a work item, in order with every flush, without a copy when
    /// nothing else waits to be sent.
    /// </summary>
    ValueTask<FlushResult> SendFromThreadPoolAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default);
}
