namespace SignalRLite;

/// <summary>What a hub filter sees of a connect or disconnect callback.</summary>
public sealed class HubLifetimeContext
{
    /// <summary>Creates the context.</summary>
    public HubLifetimeContext(HubCallerContext context, IServiceProvider serviceProvider, Hub hub)
    {
        Context = context;
        ServiceProvider = serviceProvider;
        Hub = hub;
    }

    /// <summary>The connection.</summary>
    public HubCallerContext Context { get; }

    /// <summary>The scoped services.</summary>
    public IServiceProvider ServiceProvider { get; }

    /// <summary>The hub instance.</summary>
    public Hub Hub { get; }
}
