using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace TestServer;

/// <summary>
/// Test-only bearer tokens that expire: <c>NAME.VERSION.LIFETIME_MS</c> in <c>Authorization: Bearer</c> or
/// <c>access_token</c> (as the JS client sends them). Claims: NameIdentifier and Name = NAME, <c>v</c> = VERSION; the
/// ticket expires LIFETIME_MS after the request. Used by /refreshhub (authentication refresh).
/// </summary>
public sealed class ExpiringTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ExpiringToken";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..] : Request.Query["access_token"].ToString();
        var parts = token.Split('.');
        if (parts.Length != 3 || !int.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var lifetime))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, parts[0]), new Claim(ClaimTypes.Name, parts[0]), new Claim("v", parts[1])],
            SchemeName);
        var properties = new AuthenticationProperties { ExpiresUtc = DateTimeOffset.UtcNow.AddMilliseconds(lifetime) };
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), properties, SchemeName)));
    }
}
