namespace SignalRLite.Internal.Hubs;

/// <summary>
/// Every default of the hub options, in one place: <see cref="HubOptions"/>, <see cref="HubConnectionContextOptions"/>,
/// the options setup and the handler all read them from here. The values are the official server's (its documented
/// defaults, confirmed black-box), except <see cref="MaximumQueuedMessagesPerClient"/>, a SignalRLite option.
/// </summary>
internal static class HubOptionsDefaults
{
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan ClientTimeoutInterval = TimeSpan.FromSeconds(30);
    public const long MaximumReceiveMessageSize = 32 * 1024;
    public const int StreamBufferCapacity = 10;
    public const int MaximumParallelInvocationsPerClient = 1;
    public const long StatefulReconnectBufferSize = 100_000;
    public const int MaximumQueuedMessagesPerClient = 1_000;
}
