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

    /// <summary>
    /// Whether the connection's read loop is paused on the server's account (a full upload-stream buffer), read from the
    /// private state of its liveness (the core raises no event for it).
    /// </summary>
    public static bool IsReaderPaused(HubConnectionContext connection)
    {
        var liveness = typeof(HubConnectionContext).GetField("_liveness", BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(connection)
            ?? throw new InvalidOperationException("HubConnectionContext._liveness not found: update the test hook.");
        var paused = liveness.GetType().GetField("_readerPaused", BindingFlags.NonPublic | BindingFlags.Instance)
            ?? throw new InvalidOperationException("HubConnectionLiveness._readerPaused not found: update the test hook.");
        return (bool)paused.GetValue(liveness)!;
    }
}
