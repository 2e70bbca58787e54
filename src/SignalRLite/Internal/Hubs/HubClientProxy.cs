namespace SignalRLite.Internal.Hubs;

/// <summary>A selection of a hub's connections (all, a group, a user, ...) that sends through the lifetime manager.</summary>
internal sealed class HubClientProxy<THub> : IClientProxy where THub : Hub
{
    private static readonly string HubName = typeof(THub).Name;

    private readonly HubLifetimeManager<THub> _manager;
    private readonly HubClientSelection _selection;
    private readonly string? _name;
    private readonly IReadOnlyList<string>? _names;
    private readonly SignalRLite.Internal.Diagnostics.SignalRLiteMetrics? _metrics;

    public HubClientProxy(HubLifetimeManager<THub> manager, HubClientSelection selection, string? name = null, IReadOnlyList<string>? names = null, SignalRLite.Internal.Diagnostics.SignalRLiteMetrics? metrics = null)
    {
        _metrics = metrics;
        _manager = manager;
        _selection = selection;
        _name = name;
        _names = names;
    }

    public Task SendCoreAsync(string method, object?[] args, CancellationToken cancellationToken = default)
    {
        _metrics?.Sent(HubName, _selection);
        return HubSendTracing.IsEnabled ? SendTracedAsync(method, args, cancellationToken) : SendAsync(method, args, cancellationToken);
    }

    // Its own async method: the span is never left current in the caller.
    private async Task SendTracedAsync(string method, object?[] args, CancellationToken cancellationToken)
    {
        using var activity = HubSendTracing.Start(HubName, _selection, method);
        try
        {
            await SendAsync(method, args, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            HubSendTracing.Failed(activity, ex);
            throw;
        }
    }

    private Task SendAsync(string method, object?[] args, CancellationToken cancellationToken) => _selection switch
    {
        HubClientSelection.All => _manager.SendAllAsync(method, args, cancellationToken),
        HubClientSelection.AllExcept => _manager.SendAllExceptAsync(method, args, _names!, cancellationToken),
        HubClientSelection.Connections => _manager.SendConnectionsAsync(_names!, method, args, cancellationToken),
        HubClientSelection.Group => _manager.SendGroupAsync(_name!, method, args, cancellationToken),
        HubClientSelection.Groups => _manager.SendGroupsAsync(_names!, method, args, cancellationToken),
        HubClientSelection.GroupExcept => _manager.SendGroupExceptAsync(_name!, method, args, _names!, cancellationToken),
        HubClientSelection.User => _manager.SendUserAsync(_name!, method, args, cancellationToken),
        HubClientSelection.Users => _manager.SendUsersAsync(_names!, method, args, cancellationToken),
        _ => throw new InvalidOperationException(),
    };
}
