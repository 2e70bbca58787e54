using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.SourceGeneration;

namespace SignalRLite.Internal.Hubs;

/// <summary>
/// The default <see cref="IHubActivator{THub}"/> (scoped): a hub registered in DI is taken from the scope and left to
/// it; otherwise the hub is constructed with its constructor dependencies from the scope and disposed on release.
/// The dispatcher runs the same steps itself (<see cref="Create(IServiceProvider, out bool)"/>) unless
/// the app replaced the activator. The constructor call is the source generator's factory when the hub has one
/// (<see cref="GeneratedHubs"/>), else an <see cref="ActivatorUtilities"/> factory built by reflection.
/// </summary>
internal sealed class DefaultHubActivator<THub>(IServiceProvider services) : IHubActivator<THub> where THub : Hub
{
    private static readonly Func<IServiceProvider, THub> Factory = CreateFactory();

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
        return hub ?? Factory(services);
    }

    /// <summary>Whether a public constructor of the hub takes parameters (then a hub's construction can observe its scope).</summary>
    public static bool ConstructorHasParameters()
    {
        if (GeneratedHubs.FindHub<THub>() is { } generated)
        {
            return generated.ConstructorHasParameters;
        }

        return !HubReflection.IsSupported || ReflectedConstructorHasParameters();
    }

    private static Func<IServiceProvider, THub> CreateFactory()
    {
        if (GeneratedHubs.FindHub<THub>()?.Factory is { } factory)
        {
            return factory;
        }

        if (!HubReflection.IsSupported)
        {
            return _ => throw HubReflection.NotGenerated(typeof(THub), "hub factory");
        }

        var objectFactory = CreateReflectionFactory();
        return services => (THub)objectFactory(services, null);
    }

    [RequiresUnreferencedCode("Reads the hub's constructors by reflection; hubs described by the source generator do not come here.")]
    private static ObjectFactory CreateReflectionFactory() => ActivatorUtilities.CreateFactory(typeof(THub), Type.EmptyTypes);

    [RequiresUnreferencedCode("Reads the hub's constructors by reflection; hubs described by the source generator do not come here.")]
    private static bool ReflectedConstructorHasParameters() => typeof(THub).GetConstructors().Any(c => c.GetParameters().Length > 0);
}
