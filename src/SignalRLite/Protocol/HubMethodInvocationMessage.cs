namespace SignalRLite.Protocol;

/// <summary>A message that calls a method on the peer: <see cref="InvocationMessage"/> or <see cref="StreamInvocationMessage"/>.</summary>
public abstract class HubMethodInvocationMessage : HubInvocationMessage
{
    /// <summary>Creates the message, without upload streams.</summary>
    protected HubMethodInvocationMessage(string? invocationId, string target, object?[] arguments)
        : this(invocationId, target, arguments, streamIds: null)
    {
    }

    /// <summary>Creates the message.</summary>
    protected HubMethodInvocationMessage(string? invocationId, string target, object?[] arguments, string[]? streamIds)
        : base(invocationId)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        ArgumentNullException.ThrowIfNull(arguments);
        Target = target;
        Arguments = arguments;
        StreamIds = streamIds;
    }

    /// <summary>The name of the method to call.</summary>
    public string Target { get; private set; }

    /// <summary>The arguments, without upload-stream parameters.</summary>
    public object?[] Arguments { get; internal set; }

    /// <summary>The ids of the upload streams bound to the method's stream parameters, in order.</summary>
    public string[]? StreamIds { get; private set; }

    /// <summary>Makes a message owned by the hub runtime (see <c>InvocationMessageCache</c>) another invocation.</summary>
    internal void Reuse(string? invocationId, string target, object?[] arguments, string[]? streamIds)
    {
        InvocationId = invocationId;
        Target = target;
        Arguments = arguments;
        StreamIds = streamIds;
    }
}
