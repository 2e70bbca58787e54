using Microsoft.Extensions.DependencyInjection;

namespace SignalRLite.Internal.Hubs;

/// <summary>
/// The default <see cref="IHubActivator{THub}"/> (scoped): a hub registered in DI is taken from the scope and left to
/// it; otherwise the hub is constructed with its constructor dependencies from the scope and disposed on release.
/// The dispatcher runs the same steps itself (<see cref="Create(IServiceProvider, out bool)"/>) unless
/// the app replaced the activator.
/// </summary>
internal sealed class DefaultHubActivator<THub>(IServiceProvider services) : IHubActivator<THub> where THub : Hub
{
    private static readonly ObjectFactory Factory = ActivatorUtilities.CreateFactory(typeof(THub), Type.EmptyTypes);

    // Hubs this activator constructed (not those owned by the container). Touched by one call's scope only.
    private HashSet<THub>? _created;

    public THub Create()
    {
        var hub = Create(services, out var created);
        if (created)
        {
            (_created ??= new HashSet<THub>(ReferenceEqualityComparer.Instance)).Add(hub);
        }

        return hub;
    }

    public void Release(THub hub)
    {
        ArgumentNullException.ThrowIfNull(hub);
        if (_created?.Remove(hub) == true)
        {
            hub.Dispose();
        }
    }

    /// <summary>The hub from <paramref name="services"/> if registered there, else a new one (<paramref name="created"/>).</summary>
    public static THub Create(IServiceProvider services, out bool created)
    {
        var hub = services.GetService<THub>();
        created = hub is null;
        return hub ?? (THub)Factory(services, null);
    }
}
