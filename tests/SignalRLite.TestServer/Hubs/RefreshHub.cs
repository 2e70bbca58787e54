using Microsoft.AspNetCore.Authorization;

namespace TestServer.Hubs;

/// <summary>Authentication refresh (mapped at /refreshhub with EnableAuthenticationRefresh on SignalRLite; plain on the oracle).</summary>
[Authorize(AuthenticationSchemes = ExpiringTokenAuthenticationHandler.SchemeName)]
public sealed class RefreshHub : Hub
{
    /// <summary>The <c>v</c> claim of <c>Context.User</c>.</summary>
    public string? Version() => Context.User?.FindFirst("v")?.Value;

    public string? Who() => Context.UserIdentifier;

#if !SIGNALR_ORACLE
    public override Task OnAuthenticationRefreshedAsync() => Clients.Caller.SendAsync("Refreshed", Context.User?.FindFirst("v")?.Value);
#endif
}
