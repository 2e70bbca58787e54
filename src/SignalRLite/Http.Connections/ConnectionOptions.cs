namespace SignalRLite.Http.Connections;

/// <summary>Options of the connection layer shared by all endpoints. Configure with <c>services.Configure&lt;ConnectionOptions&gt;(...)</c>.</summary>
public class ConnectionOptions
{
    /// <summary>The default <see cref="DisconnectTimeout"/>: 15 seconds.</summary>
    public static readonly TimeSpan DefaultDisconnectTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long a connection may stay without an attached transport (negotiated but never used, or Long Polling with no
    /// poll outstanding) before the server discards it. <c>null</c> means the default of 15 seconds.
    /// </summary>
    public TimeSpan? DisconnectTimeout { get; set; } = DefaultDisconnectTimeout;
}
