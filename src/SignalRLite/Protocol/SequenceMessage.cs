namespace SignalRLite.Protocol;

/// <summary>Type 9 (stateful reconnect): the sequence id of the next message the sender sends after a reconnect.</summary>
public sealed class SequenceMessage : HubMessage
{
    /// <summary>Creates the message.</summary>
    public SequenceMessage(long sequenceId)
    {
        SequenceId = sequenceId;
    }

    /// <summary>The sequence id of the next trackable message.</summary>
    public long SequenceId { get; set; }
}
