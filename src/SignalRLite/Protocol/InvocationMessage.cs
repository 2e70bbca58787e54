namespace SignalRLite.Protocol;

/// <summary>Type 1: calls a method; blocking when it has an invocation id.</summary>
public class InvocationMessage : HubMethodInvocationMessage
{
    /// <summary>Creates a non-blocking invocation.</summary>
    public InvocationMessage(string target, object?[] arguments)
        : this(null, target, arguments)
    {
    }

    /// <summary>Creates an invocation.</summary>
    public InvocationMessage(string? invocationId, string target, object?[] arguments)
        : this(invocationId, target, arguments, null)
    {
    }

    /// <summary>Creates an invocation with upload streams.</summary>
    public InvocationMessage(string? invocationId, string target, object?[] arguments, string[]? streamIds)
        : base(invocationId, target, arguments, streamIds)
    {
    }

    /// <inheritdoc />
    public override string ToString() => $"InvocationMessage {{ InvocationId: \"{InvocationId}\", Target: \"{Target}\", Arguments: {Arguments.Length} }}";
}
