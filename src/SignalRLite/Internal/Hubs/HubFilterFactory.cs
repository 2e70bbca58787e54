using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;

namespace SignalRLite.Internal.Hubs;

/// <summary>A filter registered by type: resolved from the call's scope, or created (and disposed) per call when DI does not know it.</summary>
internal sealed class HubFilterFactory : IHubFilter
{
    private readonly Type _filterType;
    private readonly ObjectFactory _factory;

    public HubFilterFactory([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] Type filterType)
    {
        _filterType = filterType;
        _factory = ActivatorUtilities.CreateFactory(filterType, Type.EmptyTypes);
    }

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var (filter, created) = Resolve(invocationContext.ServiceProvider);
        try
        {
            return await filter.InvokeMethodAsync(invocationContext, next).ConfigureAwait(false);
        }
        finally
        {
            await ReleaseAsync(filter, created).ConfigureAwait(false);
        }
    }

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        var (filter, created) = Resolve(context.ServiceProvider);
        try
        {
            await filter.OnConnectedAsync(context, next).ConfigureAwait(false);
        }
        finally
        {
            await ReleaseAsync(filter, created).ConfigureAwait(false);
        }
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        var (filter, created) = Resolve(context.ServiceProvider);
        try
        {
            await filter.OnDisconnectedAsync(context, exception, next).ConfigureAwait(false);
        }
        finally
        {
            await ReleaseAsync(filter, created).ConfigureAwait(false);
        }
    }

    private (IHubFilter Filter, bool Created) Resolve(IServiceProvider services) =>
        services.GetService(_filterType) is IHubFilter registered ? (registered, false) : ((IHubFilter)_factory(services, null), true);

    private static ValueTask ReleaseAsync(IHubFilter filter, bool created)
    {
        if (!created)
        {
            return default;
        }

        if (filter is IAsyncDisposable asyncDisposable)
        {
            return asyncDisposable.DisposeAsync();
        }

        (filter as IDisposable)?.Dispose();
        return default;
    }
}
