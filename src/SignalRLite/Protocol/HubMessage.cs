namespace SignalRLite.Protocol;

/// <summary>Base class of every message of the hub protocol.</summary>
public abstract class HubMessage
{
}
