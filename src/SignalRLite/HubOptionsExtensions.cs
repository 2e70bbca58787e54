using System.Diagnostics.CodeAnalysis;
using SignalRLite.Internal.Hubs;

namespace SignalRLite;

/// <summary>Adds hub filters to <see cref="HubOptions"/>. Global filters run before per-hub filters, each in the order added.</summary>
public static class HubOptionsExtensions
{
    /// <summary>Adds a filter instance, shared by every invocation.</summary>
    public static void AddFilter(this HubOptions options, IHubFilter hubFilter)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(hubFilter);
        (options.HubFilters ??= []).Add(hubFilter);
    }

    /// <summary>Adds a filter type, resolved from DI per call (or created and disposed per call when not registered).</summary>
    public static void AddFilter<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TFilter>(this HubOptions options) where TFilter : IHubFilter => options.AddFilter(typeof(TFilter));

    /// <summary>Adds a filter type, resolved from DI per call (or created and disposed per call when not registered).</summary>
    public static void AddFilter(this HubOptions options, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] Type filterType)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(filterType);
        if (!typeof(IHubFilter).IsAssignableFrom(filterType))
        {
            throw new ArgumentException($"Type '{filterType.FullName}' does not implement {nameof(IHubFilter)}.", nameof(filterType));
        }

        (options.HubFilters ??= []).Add(new HubFilterFactory(filterType));
    }
}
