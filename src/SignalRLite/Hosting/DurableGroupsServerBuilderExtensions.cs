using Microsoft.Extensions.DependencyInjection.Extensions;
using SignalRLite;
using SignalRLite.Internal.Groups;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers durable, user-bound groups (<see cref="UserGroupManagerExtensions"/>), a SignalRLite addition.</summary>
public static class DurableGroupsServerBuilderExtensions
{
    /// <summary>
    /// Enables <c>Groups.AddUserToGroupAsync</c> / <c>RemoveUserFromGroupAsync</c> for every hub, with the
    /// <see cref="IUserGroupStore"/> registered (in memory unless one was registered before).
    /// </summary>
    public static ISignalRServerBuilder AddDurableGroups(this ISignalRServerBuilder signalrBuilder)
    {
        ArgumentNullException.ThrowIfNull(signalrBuilder);
        signalrBuilder.Services.TryAddSingleton<IUserGroupStore, InMemoryUserGroupStore>();
        signalrBuilder.Services.TryAddSingleton(typeof(UserGroups<>), typeof(UserGroups<>));
        return signalrBuilder;
    }
}
