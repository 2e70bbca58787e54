using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace SignalRLite.Client11.Tests;

/// <summary>JwtBearer as the official docs show it for SignalR (the token from <c>access_token</c> on hub paths), with tokens that live seconds.</summary>
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
                RoleClaimType = "role",
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
        services.AddAuthorization(o => o.AddPolicy("Admins", p => p.RequireRole("admin")));
    }

    /// <summary>A token for <paramref name="user"/> with <paramref name="roles"/> that expires after <paramref name="lifetime"/>.</summary>
    public static string CreateToken(string user, TimeSpan lifetime, params string[] roles) => CreateToken(user, lifetime, version: null, roles);

    /// <summary>As <see cref="CreateToken(string, TimeSpan, string[])"/>, with a <c>v</c> claim when <paramref name="version"/> is set.</summary>
    public static string CreateToken(string user, TimeSpan lifetime, int? version, params string[] roles)
    {
        var now = DateTime.UtcNow;
        var claims = new List<Claim> { new("sub", user), new("name", user), new(ClaimTypes.NameIdentifier, user) };
        claims.AddRange(roles.Select(r => new Claim("role", r)));
        if (version is { } v)
        {
            claims.Add(new Claim("v", v.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        var token = new JwtSecurityToken(
            Issuer,
            Audience,
            claims,
            notBefore: now.AddMinutes(-1),
            expires: now + lifetime,
            signingCredentials: new SigningCredentials(Key, SecurityAlgorithms.HmacSha256));
        return new JwtSecurityTokenHandler().WriteToken(token);
    }
}
