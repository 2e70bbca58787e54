namespace SignalRLite.Internal.Hubs;

// SKELETON: the hub runtime owns the implementation (strongly typed client proxies).
internal static class TypedHubClientsFactory
{
    public static IHubCallerClients<T> Create<T>(IHubCallerClients clients) where T : class => throw new NotImplementedException();
}
