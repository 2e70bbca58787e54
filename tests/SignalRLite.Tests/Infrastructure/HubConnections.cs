using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace SignalRLite.Tests.Infrastructure;

/// <summary>The live connections of a hub's <see cref="DefaultHubLifetimeManager{THub}"/> (the private map of its registry, read by reflection), for tests that inspect server-side state.</summary>
internal static class HubConnections
{
    public static ConcurrentDictionary<string, HubConnectionContext> Of<THub>(IServiceProvider services)
        where THub : Hub
    {
        var manager = services.GetRequiredService<HubLifetimeManager<THub>>();
        var registry = manager.GetType().GetField("_registry", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(manager)!;
        var field = registry.GetType().GetField("_connections", BindingFlags.NonPublic | BindingFlags.Instance)!;
        return (ConcurrentDictionary<string, HubConnectionContext>)field.GetValue(registry)!;
    }
}
