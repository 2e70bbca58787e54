namespace SignalRLite.Protocol;

/// <summary>Type 5: asks the callee to stop an invocation or a stream.</summary>
public class CancelInvocationMessage : HubInvocationMessage
{
    /// <summary>Creates the message.</summary>
    public CancelInvocationMessage(string invocationId)
        : base(invocationId)
    {
    }
}
