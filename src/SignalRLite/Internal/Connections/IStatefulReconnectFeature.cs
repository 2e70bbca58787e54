using System.IO.Pipelines;

namespace SignalRLite.Internal.Connections;

/// <summary>
/// Offered by the connection layer on connections that negotiated stateful reconnect (HubProtocol.md, "Ack" and "Sequence"): lets the
/// application keep the logical connection across a WebSocket that drops abruptly and is replaced by a new one.
/// </summary>
/// <remarks>
/// Named after the official public feature's members. The connection layer only keeps the connection and swaps the
/// output pipe; numbering, buffering and replaying messages belong to the application (the hub layer).
/// </remarks>
internal interface IStatefulReconnectFeature
{
    /// <summary>
    /// Registers the application's reattach callback, which also turns reattaching on. On each reattach the connection
    /// layer gives it the writer of a fresh output pipe (bytes left in the old one are dropped) while the new socket is
    /// already sending; the application must move its writes to that writer, so that nothing written to the old pipe
    /// after the callback started is lost without the application's knowledge. The new socket's messages reach the
    /// input only once the callback returned: whatever the application answers them goes to the new pipe.
    /// </summary>
    void OnReconnected(Func<PipeWriter, Task> notifyOnReconnect);

    /// <summary>Turns reattaching off for good: the next transport loss ends the connection.</summary>
    void DisableReconnect();
}
