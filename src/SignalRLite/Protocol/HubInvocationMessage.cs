namespace SignalRLite.Protocol;

/// <summary>A hub message that belongs to an invocation and may carry headers.</summary>
public abstract class HubInvocationMessage : HubMessage
{
    /// <summary>Creates the message.</summary>
    protected HubInvocationMessage(string? invocationId)
    {
        InvocationId = invocationId;
    }

    /// <summary>Headers of the message; the spec defines none, receivers ignore unknown ones.</summary>
    public IDictionary<string, string>? Headers { get; set; }

    /// <summary>The invocation id, or <c>null</c> for a non-blocking invocation.</summary>
    public string? InvocationId { get; private protected set; }
}
