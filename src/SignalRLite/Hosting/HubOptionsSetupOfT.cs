using Microsoft.Extensions.Options;

namespace SignalRLite.Hosting;

/// <summary>Starts a hub's own options as a copy of the global ones (filters included); registered by <c>AddHubOptions&lt;THub&gt;</c>.</summary>
internal sealed class HubOptionsSetup<THub> : IConfigureOptions<HubOptions<THub>> where THub : Hub
{
    private readonly HubOptions _global;

    public HubOptionsSetup(IOptions<HubOptions> global)
    {
        _global = global.Value;
    }

    public void Configure(HubOptions<THub> options)
    {
        options.HandshakeTimeout = _global.HandshakeTimeout;
        options.KeepAliveInterval = _global.KeepAliveInterval;
        options.ClientTimeoutInterval = _global.ClientTimeoutInterval;
        options.SupportedProtocols = _global.SupportedProtocols is null ? null : [.. _global.SupportedProtocols];
        options.EnableDetailedErrors = _global.EnableDetailedErrors;
        options.StreamBufferCapacity = _global.StreamBufferCapacity;
        options.MaximumReceiveMessageSize = _global.MaximumReceiveMessageSize;
        options.MaximumParallelInvocationsPerClient = _global.MaximumParallelInvocationsPerClient;
        options.DisableImplicitFromServicesParameters = _global.DisableImplicitFromServicesParameters;
        options.StatefulReconnectBufferSize = _global.StatefulReconnectBufferSize;
        options.MaximumQueuedMessagesPerClient = _global.MaximumQueuedMessagesPerClient;
        options.ExpiredAuthorization = _global.ExpiredAuthorization;
        options.HubFilters = _global.HubFilters is null ? null : [.. _global.HubFilters];
        options.UserHasSetValues = true;
    }
}
