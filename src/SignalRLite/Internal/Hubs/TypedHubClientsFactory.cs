namespace SignalRLite.Internal.Hubs;

/// <summary>Wraps the <see cref="IClientProxy"/>-based clients of a hub in strongly typed client proxies.</summary>
internal static class TypedHubClientsFactory
{
    public static IHubCallerClients<T> Create<T>(IHubCallerClients clients) where T : class => new TypedHubCallerClients<T>(clients);
}
