using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using SignalRLite.Http.Connections;
using SignalRLite.Internal.Connections;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// When the authentication ticket of the request that created the connection expires. Set only when the endpoint has
/// <see cref="HttpConnectionDispatcherOptions.CloseOnAuthenticationExpiration"/> on and the ticket has an
/// <c>ExpiresUtc</c>; the hub layer closes the connection once it has passed.
/// </summary>
internal sealed class AuthenticationExpirationFeature(DateTimeOffset expiresUtc) : IAuthenticationExpirationFeature
{
    public DateTimeOffset ExpiresUtc { get; } = expiresUtc;

    public static void SetFromRequest(HttpConnectionContext connection, HttpContext context, HttpConnectionDispatcherOptions options)
    {
        if (options.CloseOnAuthenticationExpiration
            && context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Properties?.ExpiresUtc is { } expires)
        {
            connection.Features.Set<IAuthenticationExpirationFeature>(new AuthenticationExpirationFeature(expires));
        }
    }
}
