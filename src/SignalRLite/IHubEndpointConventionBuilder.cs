using Microsoft.AspNetCore.Builder;

namespace SignalRLite;

/// <summary>
/// Conventions of a hub's endpoints. Official name: <c>Microsoft.AspNetCore.Builder.IHubEndpointConventionBuilder</c>;
/// SignalRLite declares it in its own namespace because the shared framework already has a type of that full name
/// in every ASP.NET Core app (see docs/migration.md).
/// </summary>
public interface IHubEndpointConventionBuilder : IEndpointConventionBuilder
{
}
