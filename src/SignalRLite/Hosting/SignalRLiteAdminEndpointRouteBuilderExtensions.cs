using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite;
using SignalRLite.Internal.Admin;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps HTTP endpoints over <see cref="IHubAdmin{THub}"/> (a SignalRLite addition; nothing is mapped unless called).</summary>
public static class SignalRLiteAdminEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps, under <paramref name="pattern"/>, for the hub <typeparamref name="THub"/>:
    /// <c>POST connections/{id}/close</c>, <c>POST users/{id}/close</c>, <c>POST groups/{name}/close</c> (query
    /// <c>reason</c>, <c>allowReconnect</c>), <c>DELETE users/{id}/groups/{name}</c> and <c>DELETE connections/{id}/groups</c>.
    /// Each answers <c>{"reached":N}</c>, 400 for invalid input, and is logged with the caller. All require
    /// <see cref="SignalRLiteAdminOptions.AuthorizationPolicy"/> or the default policy: the application must have added
    /// authorization (<c>AddAuthorization</c>, <c>UseAuthorization</c>) and an authentication scheme.
    /// </summary>
    public static IEndpointConventionBuilder MapSignalRLiteAdmin<THub>(this IEndpointRouteBuilder endpoints, string pattern, Action<SignalRLiteAdminOptions>? configure = null)
        where THub : Hub
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        var options = new SignalRLiteAdminOptions();
        configure?.Invoke(options);
        if (endpoints.ServiceProvider.GetService<IAuthorizationPolicyProvider>() is null)
        {
            throw new InvalidOperationException(
                "The SignalRLite admin endpoints require authorization, and the application has no authorization services. " +
                "Call 'IServiceCollection.AddAuthorization' (with an authentication scheme, and 'UseAuthentication'/'UseAuthorization').");
        }

        var admin = endpoints.ServiceProvider.GetRequiredService<IHubAdmin<THub>>();
        var handler = new AdminEndpoints<THub>(admin, options);
        var group = endpoints.MapGroup(pattern);
        group.MapPost("/connections/{id}/close", context => handler.CloseAsync(context, AdminTarget.Connection));
        group.MapPost("/users/{id}/close", context => handler.CloseAsync(context, AdminTarget.User));
        group.MapPost("/groups/{id}/close", context => handler.CloseAsync(context, AdminTarget.Group));
        group.MapDelete("/users/{id}/groups/{group}", handler.RemoveUserFromGroupAsync);
        group.MapDelete("/connections/{id}/groups", handler.RemoveConnectionFromAllGroupsAsync);
        if (options.AuthorizationPolicy is { } policy)
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
