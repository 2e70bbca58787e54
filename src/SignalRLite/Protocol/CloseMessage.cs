namespace SignalRLite.Protocol;

/// <summary>Type 7: the sender is closing the connection.</summary>
public class CloseMessage : HubMessage
{
    /// <summary>A close without error that does not invite a reconnect.</summary>
    public static readonly CloseMessage Empty = new(error: null, allowReconnect: false);

    /// <summary>Creates the message.</summary>
    public CloseMessage(string? error)
        : this(error, allowReconnect: false)
    {
    }

    /// <summary>Creates the message.</summary>
    public CloseMessage(string? error, bool allowReconnect)
    {
        Error = error;
        AllowReconnect = allowReconnect;
    }

    /// <summary>Why the connection closes, when it closes because of an error.</summary>
    public string? Error { get; }

    /// <summary>Whether clients with automatic reconnect should reconnect.</summary>
    public bool AllowReconnect { get; }
}
