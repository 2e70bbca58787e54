namespace SignalRLite.Protocol;

/// <summary>The message type numbers of the hub protocol.</summary>
public static class HubProtocolConstants
{
    /// <summary>Invocation.</summary>
    public const int InvocationMessageType = 1;
    /// <summary>StreamItem.</summary>
    public const int StreamItemMessageType = 2;
    /// <summary>Completion.</summary>
    public const int CompletionMessageType = 3;
    /// <summary>StreamInvocation.</summary>
    public const int StreamInvocationMessageType = 4;
    /// <summary>CancelInvocation.</summary>
    public const int CancelInvocationMessageType = 5;
    /// <summary>Ping.</summary>
    public const int PingMessageType = 6;
    /// <summary>Close.</summary>
    public const int CloseMessageType = 7;
    /// <summary>Ack.</summary>
    public const int AckMessageType = 8;
    /// <summary>Sequence.</summary>
    public const int SequenceMessageType = 9;
}
