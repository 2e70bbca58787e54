namespace SignalRLite.Protocol;

/// <summary>Type 4: calls a method whose results come back as a stream of <see cref="StreamItemMessage"/>.</summary>
public class StreamInvocationMessage : HubMethodInvocationMessage
{
    /// <summary>Creates the message.</summary>
    public StreamInvocationMessage(string invocationId, string target, object?[] arguments)
        : this(invocationId, target, arguments, null)
    {
    }

    /// <summary>Creates the message with upload streams.</summary>
    public StreamInvocationMessage(string invocationId, string target, object?[] arguments, string[]? streamIds)
        : base(invocationId, target, arguments, streamIds)
    {
        ArgumentException.ThrowIfNullOrEmpty(invocationId);
    }

    /// <inheritdoc />
    public override string ToString() => $"StreamInvocation {{ InvocationId: \"{InvocationId}\", Target: \"{Target}\", Arguments: {Arguments.Length} }}";
}
