namespace SignalRLite;

/// <summary>The framed bytes of one hub message in one protocol.</summary>
public readonly struct SerializedMessage
{
    /// <summary>Creates the value.</summary>
    public SerializedMessage(string protocolName, ReadOnlyMemory<byte> serialized)
    {
        ProtocolName = protocolName;
        Serialized = serialized;
    }

    /// <summary>The protocol name, for example <c>json</c>.</summary>
    public string ProtocolName { get; }

    /// <summary>The framed bytes.</summary>
    public ReadOnlyMemory<byte> Serialized { get; }
}
