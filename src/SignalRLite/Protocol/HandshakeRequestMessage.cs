namespace SignalRLite.Protocol;

/// <summary>The client's first message: which hub protocol, at which version.</summary>
public class HandshakeRequestMessage : HubMessage
{
    /// <summary>Creates the message.</summary>
    public HandshakeRequestMessage(string protocol, int version)
    {
        Protocol = protocol;
        Version = version;
    }

    /// <summary>The hub protocol name, for example <c>json</c>.</summary>
    public string Protocol { get; }

    /// <summary>The hub protocol version.</summary>
    public int Version { get; }
}
