using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite;
using SignalRLite.Hosting;
using SignalRLite.Internal.Transports;
using SignalRLite.Http.Connections;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps SignalRLite hubs to routes.</summary>
public static class SignalRLiteEndpointRouteBuilderExtensions
{
    /// <summary>Maps <typeparamref name="THub"/> at <paramref name="pattern"/> (connection endpoint) and <c>{pattern}/negotiate</c>.</summary>
    public static SignalRLite.HubEndpointConventionBuilder MapHub<THub>(this IEndpointRouteBuilder endpoints, string pattern) where THub : Hub =>
        endpoints.MapHub<THub>(pattern, configureOptions: null);

    /// <summary>Maps <typeparamref name="THub"/> at <paramref name="pattern"/> with endpoint options.</summary>
    public static SignalRLite.HubEndpointConventionBuilder MapHub<THub>(this IEndpointRouteBuilder endpoints, string pattern, Action<HttpConnectionDispatcherOptions>? configureOptions) where THub : Hub
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        var services = endpoints.ServiceProvider;
        if (services.GetService<SignalRLiteMarkerService>() is null)
        {
            throw new InvalidOperationException(
                "Unable to find the required services. Add them by calling 'IServiceCollection.AddSignalRLite' in the application startup code.");
        }

        var options = new HttpConnectionDispatcherOptions();
        var hubAttributes = typeof(THub).GetCustomAttributes(inherit: true);
        foreach (var data in hubAttributes.OfType<IAuthorizeData>())
        {
            options.AuthorizationData.Add(data);
        }

        configureOptions?.Invoke(options);

        var dispatcher = services.GetRequiredService<HttpConnectionDispatcher>();
        var handler = services.GetRequiredService<HubConnectionHandler<THub>>();
        ConnectionDelegate application = handler.OnConnectedAsync;

        var basePattern = pattern.TrimEnd('/');
        // Any method: the dispatcher answers the others with the official server's empty 405 (routing's would add Allow).
        var negotiate = endpoints.Map(basePattern + "/negotiate", context => dispatcher.ExecuteNegotiateAsync(context, options))
            .WithMetadata(new NegotiateMetadata());
        var connect = endpoints.Map(pattern, context => dispatcher.ExecuteAsync(context, options, application));

        // {pattern}/refresh only with EnableAuthenticationRefresh (.NET 11; otherwise routing answers 404, as the official .NET 10 server).
        var conventions = options.EnableAuthenticationRefresh
            ? new SignalRLite.HubEndpointConventionBuilder(negotiate, connect, endpoints.Map(basePattern + "/refresh", context => dispatcher.ExecuteRefreshAsync(context, options)))
            : new SignalRLite.HubEndpointConventionBuilder(negotiate, connect);
        conventions.Add(builder =>
        {
            // Hub attributes ([Authorize], [EnableCors], ...) become endpoint metadata, with the endpoint's authorization
            // data (hub attributes plus what configureOptions added) for the authorization middleware.
            foreach (var attribute in hubAttributes)
            {
                if (attribute is not IAuthorizeData)
                {
                    builder.Metadata.Add(attribute);
                }
            }

            foreach (var data in options.AuthorizationData)
            {
                builder.Metadata.Add(data);
            }

            builder.Metadata.Add(new HubMetadata(typeof(THub)));
        });

        return conventions;
    }
}
