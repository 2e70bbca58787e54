namespace SignalRLite.Http.Connections.Features;

/// <summary>
/// The transport a connection is bound to (<see cref="HttpTransportType.None"/> until one attaches). Read it from a hub
/// with <c>Context.Features.Get&lt;IHttpTransportFeature&gt;()</c>.
/// </summary>
public interface IHttpTransportFeature
{
    /// <summary>The transport of the connection.</summary>
    HttpTransportType TransportType { get; }
}
