using Microsoft.AspNetCore.Builder;

namespace SignalRLite;

/// <summary>
/// Returned by <c>MapHub&lt;THub&gt;</c>: conventions (<c>RequireAuthorization</c>, <c>RequireCors</c>, ...) apply to
/// both endpoints of the hub, negotiate and the connection endpoint. Official name:
/// <c>Microsoft.AspNetCore.Builder.HubEndpointConventionBuilder</c> (see <see cref="IHubEndpointConventionBuilder"/>
/// for why the namespace differs).
/// </summary>
public sealed class HubEndpointConventionBuilder : IHubEndpointConventionBuilder
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
    public void Finally(Action<EndpointBuilder> finalConvention)
    {
        foreach (var builder in _builders)
        {
            builder.Finally(finalConvention);
        }
    }
}
