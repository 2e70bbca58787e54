namespace SignalRLite.Protocol;

/// <summary>Type 8 (stateful reconnect): the highest sequence id the sender has received.</summary>
public sealed class AckMessage : HubMessage
{
    /// <summary>Creates the message.</summary>
    public AckMessage(long sequenceId)
    {
        SequenceId = sequenceId;
    }

    /// <summary>The highest trackable message received.</summary>
    public long SequenceId { get; set; }
}
