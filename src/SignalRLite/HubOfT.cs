namespace SignalRLite;

/// <summary>A hub whose clients are addressed through the interface <typeparamref name="T"/>.</summary>
public abstract class Hub<T> : Hub where T : class
{
    private IHubCallerClients<T>? _clients;

    /// <summary>The hub's connections, strongly typed.</summary>
    public new IHubCallerClients<T> Clients
    {
        get => _clients ??= Internal.Hubs.TypedHubClientsFactory.Create<T>(base.Clients);
        set => _clients = value;
    }
}
