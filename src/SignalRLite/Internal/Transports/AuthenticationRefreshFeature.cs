using System.Diagnostics;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.Logging;
using SignalRLite.Http.Connections;
using SignalRLite.Internal.Connections;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// One connection's authentication refresh (<c>POST {hub}/refresh</c>): checks the user the request authenticated and
/// replaces the connection's user and expiry with it.
/// </summary>
/// <remarks>
/// <para>Refreshes of one connection run one at a time (<see cref="_gate"/>, checked by <see cref="AssertInvariants"/>, held across the application's async
/// callback): the last request to arrive is the last applied, and the expiry has one writer at a time. Nothing else is
/// mutable here but the three hooks, each a reference written once by the hub layer before the connection can be
/// refreshed (at its start) and read by the refreshes.</para>
/// <para>The user is replaced by one reference write under the connection's lock (its <c>User</c> setter): a reader
/// sees the previous principal or the new one, whole.</para>
/// </remarks>
internal sealed class AuthenticationRefreshFeature(HttpConnectionContext connection, AuthenticationExpirationFeature expiration, ILogger logger)
    : IAuthenticationRefreshFeature
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public Func<AuthenticationRefreshContext, bool>? IdentityCheck { get; set; }

    public Action<AuthenticationRefreshContext>? Replacing { get; set; }

    public Action<AuthenticationRefreshContext>? Refreshed { get; set; }

    public AuthenticationExpirationFeature Expiration => expiration;

    private static bool SameNameIdentifier(AuthenticationRefreshContext refresh) =>
        string.Equals(refresh.PreviousUser.FindFirst(ClaimTypes.NameIdentifier)?.Value, refresh.NewUser.FindFirst(ClaimTypes.NameIdentifier)?.Value, StringComparison.Ordinal);

    /// <summary>Runs one refresh; returns the status to answer, the error text of a rejection, and the new expiry.</summary>
    public async Task<(int Status, string? Error, DateTimeOffset? Expiry)> RefreshAsync(HttpContext context, HttpConnectionDispatcherOptions options)
    {
        // The authorization middleware already applied the hub's policies to this request. An anonymous request can
        // still get here on a hub without [Authorize]: it is a user like any other for the identity check.
        var newUser = context.Features.Get<IHttpAuthenticationFeature>()?.User ?? new ClaimsPrincipal(new ClaimsIdentity());
        await _gate.WaitAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            AssertInvariants();
            var refresh = new AuthenticationRefreshContext
            {
                ConnectionId = connection.ConnectionId,
                HttpContext = context,
                NewUser = newUser,
                PreviousUser = connection.User!,
                NewExpiration = AuthenticationExpirationFeature.ExpiryOf(context, options, connection.TimeProvider),
            };

            // Until the hub layer set its check (a refresh before the transport connected), the same name identifier.
            if (!(IdentityCheck ?? SameNameIdentifier)(refresh))
            {
                TransportLog.RefreshRejected(logger, connection.ConnectionId, "the user changed");
                return (StatusCodes.Status403Forbidden, "The refreshed user does not match the connection's user.", null);
            }

            if (options.OnAuthenticationRefresh is { } callback)
            {
                bool accepted;
                try
                {
                    accepted = await callback(refresh).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    TransportLog.RefreshCallbackFailed(logger, connection.ConnectionId, ex);
                    accepted = false;
                }

                if (!accepted)
                {
                    TransportLog.RefreshRejected(logger, connection.ConnectionId, "OnAuthenticationRefresh");
                    return (StatusCodes.Status403Forbidden, "The authentication refresh was rejected.", null);
                }
            }

            if (connection.ConnectionClosed.IsCancellationRequested)
            {
                return (StatusCodes.Status404NotFound, "No Connection with that ID", null);
            }

            AssertInvariants();
            Replacing?.Invoke(refresh);
            connection.User = newUser;
            if (connection.TransportType == HttpTransportType.LongPolling && connection.HttpContext is { } snapshot)
            {
                // Long Polling: GetHttpContext() is a snapshot the connection owns (the official server updates it per poll too).
                snapshot.User = newUser;
            }

            expiration.Update(refresh.NewExpiration);
            Refreshed?.Invoke(refresh);
            TransportLog.Refreshed(logger, connection.ConnectionId);
            return (StatusCodes.Status200OK, null, refresh.NewExpiration);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Invariant: the user and the expiry are changed only by the one refresh that holds the gate.</summary>
    [Conditional("DEBUG")]
    private void AssertInvariants() => Debug.Assert(_gate.CurrentCount == 0, "A refresh runs while holding the connection's refresh gate.");
}
