namespace SignalRLite;

/// <summary>The per-connection limits a <see cref="HubConnectionContext"/> runs with, taken from the hub's <see cref="HubOptions"/>.</summary>
public class HubConnectionContextOptions
{
    /// <summary>The server sends a Ping when it has sent nothing for this long.</summary>
    public TimeSpan KeepAliveInterval { get; set; }

    /// <summary>The server closes the connection when it has received nothing for this long.</summary>
    public TimeSpan ClientTimeoutInterval { get; set; }

    /// <summary>Items buffered per upload stream before the server stops reading.</summary>
    public int StreamBufferCapacity { get; set; }

    /// <summary>Largest incoming hub message in bytes; null = unlimited.</summary>
    public long? MaximumReceiveMessageSize { get; set; }

    /// <summary>Hub method invocations that may run at once.</summary>
    public int MaximumParallelInvocations { get; set; } = Internal.Hubs.HubOptionsDefaults.MaximumParallelInvocationsPerClient;

    /// <summary>Bytes of unacknowledged messages buffered for stateful reconnect.</summary>
    public long StatefulReconnectBufferSize { get; set; }

    /// <summary>Fan-out messages that may queue for this client while its output is full; <c>null</c>: fan-out sends wait for it. See <see cref="HubOptions.MaximumQueuedMessagesPerClient"/>.</summary>
    public int? MaximumQueuedMessages { get; set; } = 1_000;
}
