using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using SignalRLite.Http.Connections;
using SignalRLite.Internal.Connections;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// When the authentication of a connection expires: from the ticket of the request that created it (capped by
/// <see cref="HttpConnectionDispatcherOptions.MaximumAuthenticationExpiration"/> when refresh is on), then from each
/// accepted refresh.
/// </summary>
/// <remarks>
/// No lock: one field, a <c>long</c> written with <see cref="Volatile"/> (by the refresh that the connection's
/// refresh feature serialises) and read with it by the heartbeat and the invocations; a reader sees the old or the new
/// expiry, never a torn one. 0 means none.
/// </remarks>
internal sealed class AuthenticationExpirationFeature : IAuthenticationExpirationFeature
{
    private long _expiresUtcTicks;

    public AuthenticationExpirationFeature(DateTimeOffset? expiresUtc, bool closeOnExpiration)
    {
        Update(expiresUtc);
        CloseOnExpiration = closeOnExpiration;
    }

    public DateTimeOffset? ExpiresUtc =>
        Volatile.Read(ref _expiresUtcTicks) is var ticks and not 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    public bool CloseOnExpiration { get; }

    public void Update(DateTimeOffset? expiresUtc) => Volatile.Write(ref _expiresUtcTicks, expiresUtc?.UtcTicks ?? 0);

    /// <summary>The expiry of the request's ticket, capped by <see cref="HttpConnectionDispatcherOptions.MaximumAuthenticationExpiration"/> when refresh is on.</summary>
    public static DateTimeOffset? ExpiryOf(HttpContext context, HttpConnectionDispatcherOptions options, TimeProvider time)
    {
        var expires = context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Properties?.ExpiresUtc;
        if (options.EnableAuthenticationRefresh && options.MaximumAuthenticationExpiration is { } maximum)
        {
            var cap = time.GetUtcNow() + maximum;
            if (expires is null || cap < expires)
            {
                expires = cap;
            }
        }

        return expires;
    }

    /// <summary>
    /// Records the expiry of the request that creates <paramref name="connection"/>, if it has one (always with refresh
    /// on, which may add one later). Without
    /// <see cref="HttpConnectionDispatcherOptions.CloseOnAuthenticationExpiration"/> it only informs the hub layer (an
    /// opt-in invocation check), so that nothing changes for the official options.
    /// </summary>
    public static AuthenticationExpirationFeature? SetFromRequest(HttpConnectionContext connection, HttpContext context, HttpConnectionDispatcherOptions options)
    {
        var expires = ExpiryOf(context, options, connection.TimeProvider);
        if (expires is null && !options.EnableAuthenticationRefresh)
        {
            return null;
        }

        var feature = new AuthenticationExpirationFeature(expires, options.CloseOnAuthenticationExpiration);
        connection.Features.Set<IAuthenticationExpirationFeature>(feature);
        return feature;
    }
}
