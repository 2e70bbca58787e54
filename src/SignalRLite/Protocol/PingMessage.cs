namespace SignalRLite.Protocol;

/// <summary>Type 6: keep-alive.</summary>
public class PingMessage : HubMessage
{
    /// <summary>The one instance.</summary>
    public static readonly PingMessage Instance = new();

    private PingMessage()
    {
    }
}
