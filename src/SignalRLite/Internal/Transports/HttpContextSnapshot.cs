using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// A detached copy of a Long Polling request (method, URL parts, headers, connection addresses, user): polls are short
/// requests whose <see cref="HttpContext"/> the server recycles, while the connection outlives them.
/// </summary>
internal static class HttpContextSnapshot
{
    public static HttpContext Create(HttpContext source, IServiceProvider services)
    {
        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(new HttpRequestFeature());
        features.Set<IHttpResponseFeature>(new HttpResponseFeature());
        features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(Stream.Null));
        features.Set<IHttpConnectionFeature>(new HttpConnectionFeature
        {
            ConnectionId = source.Connection.Id,
            RemoteIpAddress = source.Connection.RemoteIpAddress,
            RemotePort = source.Connection.RemotePort,
            LocalIpAddress = source.Connection.LocalIpAddress,
            LocalPort = source.Connection.LocalPort,
        });

        // The poll's activity, so that hub activities can link to the request that started the connection. Copied:
        // the server reuses the feature object for the next request on the same TCP connection.
        if (source.Features.Get<IHttpActivityFeature>()?.Activity is { } activity)
        {
            features.Set<IHttpActivityFeature>(new ActivitySnapshot { Activity = activity });
        }

        var copy = new DefaultHttpContext(features)
        {
            User = source.User,
            RequestServices = services,
            TraceIdentifier = source.TraceIdentifier,
        };

        var request = copy.Request;
        request.Method = source.Request.Method;
        request.Scheme = source.Request.Scheme;
        request.Host = source.Request.Host;
        request.PathBase = source.Request.PathBase;
        request.Path = source.Request.Path;
        request.QueryString = source.Request.QueryString;
        request.Protocol = source.Request.Protocol;
        foreach (var header in source.Request.Headers)
        {
            request.Headers[header.Key] = header.Value;
        }

        return copy;
    }

    private sealed class ActivitySnapshot : IHttpActivityFeature
    {
        public System.Diagnostics.Activity Activity { get; set; } = null!;
    }
}
