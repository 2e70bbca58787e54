using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite;
using SignalRLite.Internal.Diagnostics;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the SignalRLite live dashboard.</summary>
public static class SignalRLiteDashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the live dashboard at <paramref name="pattern"/> (one self-contained HTML page) and its JSON snapshot at
    /// <c>{pattern}/data</c>. It requires the application's default authorization policy.
    /// </summary>
    public static IEndpointConventionBuilder MapSignalRLiteDashboard(this IEndpointRouteBuilder endpoints, string pattern) =>
        endpoints.MapSignalRLiteDashboard(pattern, configure: null);

    /// <summary>
    /// Maps the live dashboard at <paramref name="pattern"/> and its JSON snapshot at <c>{pattern}/data</c>. Unless
    /// <see cref="SignalRLiteDashboardOptions.AllowAnonymous"/> is set, both require
    /// <see cref="SignalRLiteDashboardOptions.AuthorizationPolicy"/> (or the default policy): the application must have
    /// added authorization (<c>AddAuthorization</c>, <c>UseAuthorization</c>) and an authentication scheme.
    /// </summary>
    public static IEndpointConventionBuilder MapSignalRLiteDashboard(this IEndpointRouteBuilder endpoints, string pattern, Action<SignalRLiteDashboardOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        var options = new SignalRLiteDashboardOptions();
        configure?.Invoke(options);

        var services = endpoints.ServiceProvider;
        var aggregator = services.GetService<DashboardAggregator>() ?? throw new InvalidOperationException(
            "Unable to find the required services. Add them by calling 'IServiceCollection.AddSignalRLite' in the application startup code.");
        if (!options.AllowAnonymous && services.GetService<IAuthorizationPolicyProvider>() is null)
        {
            throw new InvalidOperationException(
                "The SignalRLite dashboard requires authorization by default, and the application has no authorization services. " +
                "Call 'IServiceCollection.AddAuthorization' (with an authentication scheme, and 'UseAuthentication'/'UseAuthorization'), " +
                "or serve the dashboard to anyone with 'MapSignalRLiteDashboard(pattern, o => o.AllowAnonymous = true)'.");
        }

        var group = endpoints.MapGroup(pattern);
        group.MapGet("/", context => DashboardEndpoints.ServePageAsync(context, pattern));
        group.MapGet("/data", context => DashboardEndpoints.ServeDataAsync(context, aggregator));
        group.WithMetadata(new DashboardMetadata());
        if (options.AllowAnonymous)
        {
            group.AllowAnonymous();
        }
        else if (options.AuthorizationPolicy is { } policy)
        {
            group.RequireAuthorization(policy);
        }
        else
        {
            group.RequireAuthorization();
        }

        return group;
    }
}
