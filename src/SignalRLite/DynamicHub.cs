namespace SignalRLite;

/// <summary>
/// A hub whose clients are addressed with <see langword="dynamic"/> calls: <c>Clients.All.ReceiveMessage(user, text)</c>
/// sends the method <c>ReceiveMessage</c> with those arguments.
/// </summary>
public abstract class DynamicHub : Hub
{
    private DynamicHubClients? _clients;

    /// <summary>The hub's connections, addressed with dynamic calls.</summary>
    public new DynamicHubClients Clients
    {
        get => _clients ??= new DynamicHubClients(base.Clients);
        set => _clients = value;
    }
}
