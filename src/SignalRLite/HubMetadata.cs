namespace SignalRLite;

/// <summary>Endpoint metadata naming the hub a SignalRLite endpoint serves.</summary>
public class HubMetadata
{
    /// <summary>Creates the metadata.</summary>
    public HubMetadata(Type hubType)
    {
        HubType = hubType;
    }

    /// <summary>The hub type.</summary>
    public Type HubType { get; }
}
