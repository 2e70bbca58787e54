using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features;

namespace SignalRLite;

/// <summary>An invocation as a hub rate limit policy's partitioner sees it (<see cref="HubRateLimiterOptions.AddPolicy"/>).</summary>
public sealed class HubInvocationRateLimitContext
{
    /// <summary>The <see cref="MethodName"/> of an invocation whose target is not a method of the hub.</summary>
    public const string UnknownMethod = "(unknown)";

    private readonly HubConnectionContext _connection;

    internal HubInvocationRateLimitContext(HubConnectionContext connection, string hubName, string methodName)
    {
        _connection = connection;
        HubName = hubName;
        MethodName = methodName;
    }

    /// <summary>The connection's id.</summary>
    public string ConnectionId => _connection.ConnectionId;

    /// <summary>The connection's user id (<see cref="IUserIdProvider"/>), or null when anonymous.</summary>
    public string? UserIdentifier => _connection.UserIdentifier;

    /// <summary>The connection's user.</summary>
    public ClaimsPrincipal User => _connection.User;

    /// <summary>The remote address of the connection's HTTP request, when known.</summary>
    public IPAddress? RemoteIpAddress =>
        _connection.GetHttpContext()?.Connection.RemoteIpAddress ?? _connection.Features.Get<IHttpConnectionFeature>()?.RemoteIpAddress;

    /// <summary>The name of the hub type.</summary>
    public string HubName { get; }

    /// <summary>The hub method's name, or <see cref="UnknownMethod"/> when the hub has no method of the invoked name (so that clients cannot create partitions at will).</summary>
    public string MethodName { get; }

    /// <summary>The connection's features.</summary>
    public IFeatureCollection Features => _connection.Features;
}
