using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace SignalRLite.Internal.Diagnostics;

/// <summary>Marks the dashboard's endpoints (for tests and for apps that filter endpoints).</summary>
internal sealed class DashboardMetadata;

/// <summary>The two requests of the dashboard: the page, and the JSON snapshot it polls.</summary>
internal static class DashboardEndpoints
{
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; frame-ancestors 'none'";

    public static Task ServePageAsync(HttpContext context, string pattern)
    {
        var dataUrl = context.Request.PathBase.Add(new PathString("/" + pattern.Trim('/') + "/data")).ToUriComponent();
        var html = DashboardPage.Html.Replace("\"__DATA_URL__\"", JsonSerializer.Serialize(dataUrl, DashboardJsonContext.Default.String), StringComparison.Ordinal);
        NoCache(context.Response);
        context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(html, context.RequestAborted);
    }

    public static Task ServeDataAsync(HttpContext context, DashboardAggregator aggregator)
    {
        var snapshot = aggregator.Snapshot();
        NoCache(context.Response);
        context.Response.ContentType = "application/json; charset=utf-8";
        return JsonSerializer.SerializeAsync(context.Response.Body, snapshot, DashboardJsonContext.Default.DashboardSnapshot, context.RequestAborted);
    }

    private static void NoCache(HttpResponse response)
    {
        response.Headers.CacheControl = "no-store";
        response.Headers.XContentTypeOptions = "nosniff";
    }
}
