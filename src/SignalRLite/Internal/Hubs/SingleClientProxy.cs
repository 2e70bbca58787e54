namespace SignalRLite.Internal.Hubs;

/// <summary>One connection: sends, and asks for client results.</summary>
internal sealed class SingleClientProxy<THub> : ISingleClientProxy where THub : Hub
{
    private static readonly string HubName = typeof(THub).Name;

    private readonly HubLifetimeManager<THub> _manager;
    private readonly string _connectionId;
    private readonly SignalRLite.Internal.Diagnostics.SignalRLiteMetrics? _metrics;

    public SingleClientProxy(HubLifetimeManager<THub> manager, string connectionId, SignalRLite.Internal.Diagnostics.SignalRLiteMetrics? metrics = null)
    {
        _metrics = metrics;
        _manager = manager;
        _connectionId = connectionId;
    }

    public Task SendCoreAsync(string method, object?[] args, CancellationToken cancellationToken = default)
    {
        _metrics?.Sent(HubName, selection: null);
        return HubSendTracing.IsEnabled
            ? SendTracedAsync(method, args, cancellationToken)
            : _manager.SendConnectionAsync(_connectionId, method, args, cancellationToken);
    }

    public Task<T> InvokeCoreAsync<T>(string method, object?[] args, CancellationToken cancellationToken) =>
        HubSendTracing.IsEnabled
            ? InvokeTracedAsync<T>(method, args, cancellationToken)
            : _manager.InvokeConnectionAsync<T>(_connectionId, method, args, cancellationToken);

    // Their own async methods, as HubClientProxy's: the span is never left current in the caller.
    private async Task SendTracedAsync(string method, object?[] args, CancellationToken cancellationToken)
    {
        using var activity = HubSendTracing.StartSingle(HubName, method, clientResult: false);
        try
        {
            await _manager.SendConnectionAsync(_connectionId, method, args, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            HubSendTracing.Failed(activity, ex);
            throw;
        }
    }

    private async Task<T> InvokeTracedAsync<T>(string method, object?[] args, CancellationToken cancellationToken)
    {
        using var activity = HubSendTracing.StartSingle(HubName, method, clientResult: true);
        try
        {
            return await _manager.InvokeConnectionAsync<T>(_connectionId, method, args, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            HubSendTracing.Failed(activity, ex);
            throw;
        }
    }
}
