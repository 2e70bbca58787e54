using Microsoft.AspNetCore.Builder;

namespace SignalRLite;

/// <summary>
/// Returned by <c>MapHub&lt;THub&gt;</c>: conventions (<c>RequireAuthorization</c>, <c>RequireCors</c>, ...) apply to
/// both endpoints of the hub, negotiate and the connection endpoint.
/// </summary>
public sealed class HubEndpointConventionBuilder : IEndpointConventionBuilder
{
    private readonly IEndpointConventionBuilder[] _builders;

    internal HubEndpointConventionBuilder(params IEndpointConventionBuilder[] builders)
    {
        _builders = builders;
    }

    /// <inheritdoc />
    public void Add(Action<EndpointBuilder> convention)
    {
        foreach (var builder in _builders)
        {
            builder.Add(convention);
        }
    }

    /// <inheritdoc />
    public void Finally(Action<EndpointBuilder> finallyConvention)
    {
        foreach (var builder in _builders)
        {
            builder.Finally(finallyConvention);
        }
    }
}
