using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ClientTransport = Microsoft.AspNetCore.Http.Connections.HttpTransportType;
using OfficialHub = Microsoft.AspNetCore.SignalR.Hub;

namespace SignalRLite.Tests.Security;

/// <summary>
/// The same authenticated app on Kestrel (127.0.0.1), with either SignalRLite hubs or the official server's hubs
/// (shared framework, black box), so one test can assert the same observable behaviour on both.
/// Tokens are <c>name[:role,role][@milliseconds-until-expiry]</c>, sent as <c>Authorization: Bearer</c> or
/// <c>access_token</c>; the "admins" policy requires the role "admin".
/// </summary>
internal sealed class AuthTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<HubConnection> _clients = [];

    private AuthTestServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<AuthTestServer> StartAsync(bool official, Action<WebApplication>? map = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Services.AddAuthentication("Test")
            .AddScheme<AuthenticationSchemeOptions, TokenAuthHandler>("Test", null)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthHandler>("Alt", null);
        builder.Services.AddAuthorization(o => o.AddPolicy("admins", p => p.RequireRole("admin")));
        if (official)
        {
            builder.Services.AddSignalR();
        }
        else
        {
            builder.Services.AddSignalRLite();
        }

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        if (official)
        {
            app.MapHub<OfficialMethodAuthHub>("/method");
            app.MapHub<OfficialRoleHub>("/roles");
            app.MapHub<OfficialAnonymousHub>("/anon").RequireAuthorization();
            app.MapHub<OfficialMethodAuthHub>("/expiring", o => o.CloseOnAuthenticationExpiration = true);
            app.MapHub<OfficialSchemeHub>("/scheme");
        }
        else
        {
            app.MapHub<MethodAuthHub>("/method");
            app.MapHub<RoleHub>("/roles");
            app.MapHub<AnonymousHub>("/anon").RequireAuthorization();
            app.MapHub<MethodAuthHub>("/expiring", o => o.CloseOnAuthenticationExpiration = true);
            app.MapHub<SchemeHub>("/scheme");
        }

        map?.Invoke(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new AuthTestServer(app, new Uri(address));
    }

    public HubConnection CreateClient(string path, string? token, ClientTransport transport = ClientTransport.WebSockets, bool skipNegotiation = false)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(BaseAddress, path), transport, o =>
            {
                o.SkipNegotiation = skipNegotiation;
                if (token is not null)
                {
                    o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                }
            })
            .ConfigureLogging(l => l.ClearProviders())
            .Build();
        lock (_clients)
        {
            _clients.Add(connection);
        }

        return connection;
    }

    public async Task<HubConnection> ConnectAsync(string path, string? token, ClientTransport transport = ClientTransport.WebSockets)
    {
        var connection = CreateClient(path, token, transport);
        await connection.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            try
            {
                await client.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception)
            {
                // Best effort: some tests break connections on purpose.
            }
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    internal sealed class TokenAuthHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            string? token = null;
            var header = Request.Headers.Authorization.ToString();
            if (header.StartsWith("Bearer ", StringComparison.Ordinal))
            {
                token = header["Bearer ".Length..];
            }
            else if (Request.Query.TryGetValue("access_token", out var value))
            {
                token = value;
            }

            // The "Alt" scheme only knows tokens that start with "alt-"; "Test" knows the others.
            if (string.IsNullOrEmpty(token) || token.StartsWith("alt-", StringComparison.Ordinal) != (Scheme.Name == "Alt"))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var properties = new AuthenticationProperties();
            var at = token.IndexOf('@');
            if (at >= 0)
            {
                properties.ExpiresUtc = DateTimeOffset.UtcNow.AddMilliseconds(int.Parse(token[(at + 1)..]));
                token = token[..at];
            }

            var parts = token.Split(':');
            var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, parts[0]), new(ClaimTypes.Name, parts[0]) };
            if (parts.Length > 1)
            {
                claims.AddRange(parts[1].Split(',').Select(r => new Claim(ClaimTypes.Role, r)));
            }

            var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name));
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, properties, Scheme.Name)));
        }
    }
}

public class MethodAuthHub : Hub
{
    public string Public() => "public";

    public string? WhoAmI() => Context.UserIdentifier;

    public string[] Roles() => [.. Context.User!.FindAll(ClaimTypes.Role).Select(c => c.Value).Order()];

    [Authorize]
    public string Secret() => "secret";

    [Authorize(Roles = "admin")]
    public string AdminSecret() => "admin";

    [Authorize(Policy = "admins")]
    public string PolicySecret() => "policy";
}

[Authorize(Roles = "admin")]
public class RoleHub : Hub
{
    public string? WhoAmI() => Context.UserIdentifier;
}

[AllowAnonymous]
public class AnonymousHub : Hub
{
    public string? WhoAmI() => Context.UserIdentifier;
}

public class OfficialMethodAuthHub : OfficialHub
{
    public string Public() => "public";

    public string? WhoAmI() => Context.UserIdentifier;

    public string[] Roles() => [.. Context.User!.FindAll(ClaimTypes.Role).Select(c => c.Value).Order()];

    [Authorize]
    public string Secret() => "secret";

    [Authorize(Roles = "admin")]
    public string AdminSecret() => "admin";

    [Authorize(Policy = "admins")]
    public string PolicySecret() => "policy";
}

[Authorize(Roles = "admin")]
public class OfficialRoleHub : OfficialHub
{
    public string? WhoAmI() => Context.UserIdentifier;
}

[AllowAnonymous]
public class OfficialAnonymousHub : OfficialHub
{
    public string? WhoAmI() => Context.UserIdentifier;
}

[Authorize(AuthenticationSchemes = "Alt")]
public class SchemeHub : Hub
{
    public string? WhoAmI() => Context.UserIdentifier;

    public string? Scheme() => Context.User?.Identity?.AuthenticationType;
}

[Authorize(AuthenticationSchemes = "Alt")]
public class OfficialSchemeHub : OfficialHub
{
    public string? WhoAmI() => Context.UserIdentifier;

    public string? Scheme() => Context.User?.Identity?.AuthenticationType;
}
