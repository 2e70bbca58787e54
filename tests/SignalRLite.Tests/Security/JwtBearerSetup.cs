using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace SignalRLite.Tests.Security;

/// <summary>
/// A real JwtBearer setup as the official docs show it for SignalR: browsers cannot set headers on WebSockets and
/// EventSource, so the token arrives as <c>access_token</c> in the query string, and <c>OnMessageReceived</c> takes it
/// from there for hub paths only.
/// </summary>
internal static class JwtBearerSetup
{
    public const string Issuer = "signalrlite-tests";
    public const string Audience = "signalrlite-hubs";
    private static readonly SymmetricSecurityKey Key = new(Encoding.UTF8.GetBytes("a-test-signing-key-of-at-least-256-bits!!"));

    public static void AddJwtBearer(IServiceCollection services)
    {
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = Issuer,
                ValidAudience = Audience,
                IssuerSigningKey = Key,
                NameClaimType = "name",
                ClockSkew = TimeSpan.Zero,
            };
            o.Events = new JwtBearerEvents
            {
                OnMessageReceived = context =>
                {
                    var accessToken = context.Request.Query["access_token"];
                    if (!string.IsNullOrEmpty(accessToken) && context.HttpContext.Request.Path.StartsWithSegments("/hubs"))
                    {
                        context.Token = accessToken;
                    }

                    return Task.CompletedTask;
                },
            };
        });
        services.AddAuthorization();
    }

    public static string CreateToken(string user, TimeSpan? lifetime = null)
    {
        var now = DateTime.UtcNow;
        var token = new JwtSecurityToken(
            Issuer,
            Audience,
            [new Claim("sub", user), new Claim("name", user), new Claim(ClaimTypes.NameIdentifier, user)],
            notBefore: now.AddMinutes(-1),
            expires: now + (lifetime ?? TimeSpan.FromMinutes(5)),
            signingCredentials: new SigningCredentials(Key, SecurityAlgorithms.HmacSha256));
        return new JwtSecurityTokenHandler().WriteToken(token);
    }
}
