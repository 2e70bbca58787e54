namespace SignalRLite.Internal.Transports;

/// <summary>The transport a connection is bound to (<see cref="HttpTransportType.None"/> until one attaches).</summary>
internal interface IHttpTransportFeature
{
    HttpTransportType TransportType { get; }
}
