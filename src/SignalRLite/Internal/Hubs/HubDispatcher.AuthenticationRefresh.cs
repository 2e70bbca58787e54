using System.Security.Claims;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using SignalRLite.Http.Connections;
using SignalRLite.Internal.Connections;

namespace SignalRLite.Internal.Hubs;

// The hub side of authentication refresh (.NET 11 API, EnableAuthenticationRefresh) and of the opt-in check of the
// authentication expiry at each [Authorize] invocation (HubOptions.ExpiredAuthorization).
//
// A refresh replaces the connection's user (connection layer, AuthenticationRefreshFeature). Here:
// - the identity check: as the official default, a refresh must keep the user identifier (IUserIdProvider), because
//   user routing (Clients.User, UserIdentifier) is not rekeyed;
// - just before the swap, the caller view invocations got so far is pinned to the previous user and a new view, pinned
//   to the new user, is published: an invocation reads connection.CallerContext once, at its start, so its [Authorize]
//   check and its code see one user, and every invocation that starts after the swap sees the new one;
// - after the swap, Hub.OnAuthenticationRefreshedAsync runs like an invocation (within the parallel-invocation limit),
//   and only for hubs that override it.
internal sealed partial class HubDispatcher<THub>
{
    // Whether THub overrides OnAuthenticationRefreshedAsync: looked up only for connections that can refresh (a static
    // initializer that throws would break every hub of the type), and tolerant of a trimmed app where the lookup finds
    // nothing (docs/aot.md: a published Native AOT app crashed at MapHub on the former `GetMethod(...)!`).
    private static bool ObservesRefresh => s_observesRefresh ??= HubReflection.OverridesAuthenticationRefreshed<THub>();

    private static bool? s_observesRefresh;

    private void AddAuthenticationRefreshHooks(HubConnectionContext connection)
    {
        if (connection.Features.Get<IAuthenticationRefreshFeature>() is not { } refresh)
        {
            return;
        }

        refresh.IdentityCheck = r => KeepsUserIdentifier(connection, r.NewUser);
        refresh.Replacing = r =>
        {
            // First pin wins: a view already pinned (by an earlier refresh) keeps its user.
            if (connection.CallerContext is DefaultHubCallerContext current && current.User is { } previous)
            {
                current.Pin(previous);
            }

            connection.CallerContext = new DefaultHubCallerContext(connection, r.NewUser);
        };

        if (ObservesRefresh)
        {
            refresh.Refreshed = r =>
            {
                // Not in the refresh request's execution context (its HttpContext and activity are not the hub's).
                using (ExecutionContext.SuppressFlow())
                {
                    // The backpressure task is for the read loop; a notification never makes it wait.
                    _ = connection.GetInvocations().Scheduler.Enqueue(new RefreshedNotification(this, connection));
                }
            };
        }
    }

    private bool KeepsUserIdentifier(HubConnectionContext connection, ClaimsPrincipal newUser)
    {
        var provider = _rootServices.GetRequiredService<IUserIdProvider>();
        var newId = provider.GetUserId(new UserProbe(connection.ConnectionId, newUser));
        return string.Equals(newId, connection.UserIdentifier, StringComparison.Ordinal);
    }

    private async Task RunAuthenticationRefreshedAsync(HubConnectionContext connection)
    {
        var scope = _scopeFactory.CreateAsyncScope();
        THub? hub = null;
        var created = false;
        try
        {
            hub = CreateHub(scope.ServiceProvider, connection, out created);
            await hub.OnAuthenticationRefreshedAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            HubLog.AuthenticationRefreshedFailed(_logger, connection.ConnectionId, ex);
        }
        finally
        {
            ReleaseHub(scope.ServiceProvider, hub, created);
            await scope.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// <see cref="HubOptions.ExpiredAuthorization"/>: whether an <c>[Authorize]</c> invocation may run given the
    /// connection's authentication expiry. False when it must not; the connection is then already asked to close if
    /// the option says so.
    /// </summary>
    private bool PassesExpiryCheck(HubConnectionContext connection)
    {
        var behavior = Options.ExpiredAuthorization;
        if (behavior == ExpiredAuthorizationBehavior.Allow
            || connection.Features.Get<IAuthenticationExpirationFeature>()?.ExpiresUtc is not { } expires
            || connection.TimeProvider.GetUtcNow() < expires)
        {
            return true;
        }

        HubLog.InvocationAfterAuthenticationExpired(_logger, connection.ConnectionId);
        if (behavior == ExpiredAuthorizationBehavior.CloseWithReconnect)
        {
            // Close without error, reconnect allowed (as CloseOnAuthenticationExpiration): the client reconnects and its
            // access token provider is asked for a fresh token.
            connection.RequestClose(HubConnectionCloseReason.AuthenticationExpired);
        }

        return false;
    }

    /// <summary>The notification as the connection's scheduler runs it: one object per refresh (never reused).</summary>
    private sealed class RefreshedNotification(HubDispatcher<THub> dispatcher, HubConnectionContext connection) : QueuedInvocation
    {
        protected override ValueTask RunAsync() => new(dispatcher.RunAuthenticationRefreshedAsync(connection));

        protected override void Clear()
        {
        }
    }

    /// <summary>What <see cref="IUserIdProvider"/> sees of a refreshed user: a context without transport whose user is the new one.</summary>
    private sealed class UserProbe(string connectionId, ClaimsPrincipal user)
        : HubConnectionContext(new DefaultConnectionContext(connectionId) { User = user }, new HubConnectionContextOptions(), NullLoggerFactory.Instance)
    {
        public override ClaimsPrincipal User => user;
    }
}
