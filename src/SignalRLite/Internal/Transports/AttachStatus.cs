namespace SignalRLite.Internal.Transports;

/// <summary>Outcome of a request's attempt to attach to a connection.</summary>
internal enum AttachStatus
{
    Attached,
    /// <summary>The connection is closing or closed.</summary>
    Closed,
    /// <summary>Long Polling: the connection started closing while this poll waited for an older one to end.</summary>
    ClosedWhileWaiting,
    /// <summary>The connection is bound to another transport, or the request does not fit its transport.</summary>
    TransportMismatch,
    /// <summary>Another request already holds the pipe end.</summary>
    Busy,

    /// <summary>WebSockets with stateful reconnect: a new socket takes over a connection whose socket dropped.</summary>
    Reattached,
}
