namespace SignalRLite.Internal.Hubs;

/// <summary>One client-to-server stream bound to a hub method parameter, fed by the connection's read loop.</summary>
internal interface IUploadStream
{
    Type ItemType { get; }

    /// <summary>The hub method the stream is an argument of (the <c>signalr.method</c> of its items' measurements).</summary>
    string MethodName { get; set; }

    /// <summary>The value passed to the hub method: a <c>ChannelReader&lt;T&gt;</c> or an <c>IAsyncEnumerable&lt;T&gt;</c>.</summary>
    object ParameterValue { get; }

    /// <summary>Buffers one item; waits while the buffer is full (this pauses the read loop: intended backpressure).</summary>
    ValueTask WriteAsync(object? item, CancellationToken cancellationToken);

    /// <summary>Ends the stream, with an error when <paramref name="error"/> is not null. Idempotent.</summary>
    void Complete(Exception? error = null);
}
