namespace SignalRLite.Protocol;

/// <summary>Type 2: one item of a server stream or of an upload stream.</summary>
public class StreamItemMessage : HubInvocationMessage
{
    /// <summary>Creates the message.</summary>
    public StreamItemMessage(string invocationId, object? item)
        : base(invocationId)
    {
        Item = item;
    }

    /// <summary>The item.</summary>
    public object? Item { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"StreamItem {{ InvocationId: \"{InvocationId}\" }}";
}
