namespace SignalRLite.Http.Connections;

/// <summary>Endpoint metadata that marks the negotiate endpoint of a hub (<c>{path}/negotiate</c>).</summary>
public class NegotiateMetadata
{
}
