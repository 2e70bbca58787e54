using Microsoft.AspNetCore.Authorization;

namespace TestServer.Hubs;

/// <summary>Requires an authenticated user (mapped at /authhub; authenticate with ?user=NAME).</summary>
[Authorize]
public sealed class AuthHub : Hub
{
    public string? Who() => Context.UserIdentifier;

    public string GetConnectionId() => Context.ConnectionId;
}

/// <summary>A hub with per-hub <c>EnableDetailedErrors = true</c> (mapped at /detailedhub).</summary>
public sealed class DetailedErrorsHub : Hub
{
    public string GetConnectionId() => Context.ConnectionId;

    public void ThrowGeneric() => throw new InvalidOperationException("visible details");

    public void ThrowHubException(string message) => throw new HubException(message);
}
