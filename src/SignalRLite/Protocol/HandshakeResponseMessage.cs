namespace SignalRLite.Protocol;

/// <summary>The server's answer to the handshake: empty on success, with an error otherwise.</summary>
public class HandshakeResponseMessage : HubMessage
{
    /// <summary>The success response.</summary>
    public static readonly HandshakeResponseMessage Empty = new(error: null);

    /// <summary>Creates the message.</summary>
    public HandshakeResponseMessage(string? error)
    {
        Error = error;
    }

    /// <summary>Why the handshake failed, or <c>null</c>.</summary>
    public string? Error { get; }
}
