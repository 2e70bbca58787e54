using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features.Authentication;
using SignalRLite.Internal.Quotas;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// Connection quotas at the door (<see cref="SignalRLite.Http.Connections.ConnectionQuotaOptions"/>): a new connection
/// is admitted, or the request refused with 429, before any connection state exists (negotiate) or before the socket is
/// accepted (a WebSocket without negotiation). Without configured quotas every method here returns at once.
/// </summary>
internal sealed partial class HttpConnectionDispatcher
{
    /// <summary>
    /// Takes the quota slots of a new connection for this request's user and client address; on refusal, answers 429
    /// and returns false. The lease is null when no quota is configured.
    /// </summary>
    private async ValueTask<(bool Admitted, QuotaLease? Lease)> AdmitAsync(HttpContext context, bool pending)
    {
        if (_manager.IsDraining)
        {
            // A draining server takes no new connection: 503 with Retry-After, which load balancers and the official
            // clients' reconnect loops treat as "try again" (elsewhere, through the balancer).
            const string Draining = "The server is shutting down; connect again (to another server).";
            TransportLog.RequestRefused(_logger, context.Request.Method, StatusCodes.Status503ServiceUnavailable, Draining);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "text/plain";
            context.Response.Headers.RetryAfter = "1";
            await context.Response.WriteAsync(Draining, Encoding.UTF8, context.RequestAborted).ConfigureAwait(false);
            return (false, null);
        }

        var quotas = _manager.Quotas;
        if (quotas is null)
        {
            return (true, null);
        }

        // The hubs' default user ID (NameIdentifier) of the authenticated user; anonymous requests count per address only.
        var user = context.Features.Get<IHttpAuthenticationFeature>()?.User;
        var userId = user?.Identity?.IsAuthenticated == true ? user.FindFirst(ClaimTypes.NameIdentifier)?.Value : null;
        var refusal = quotas.TryAdmit(userId, context.Connection.RemoteIpAddress, pending, out var lease);
        if (refusal == QuotaRefusal.None)
        {
            return (true, lease);
        }

        _metrics?.ConnectionQuotaRejected(refusal.TagValue());
        var text = refusal.Message();
        TransportLog.RequestRefused(_logger, context.Request.Method, StatusCodes.Status429TooManyRequests, text);
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.ContentType = "text/plain";
        if (refusal.IsRetryable())
        {
            context.Response.Headers.RetryAfter = "1";
        }

        await context.Response.WriteAsync(text, Encoding.UTF8, context.RequestAborted).ConfigureAwait(false);
        return (false, null);
    }

    /// <summary>The connection's first transport attached: it no longer counts as pending.</summary>
    private void ActivateQuota(HttpConnectionContext connection)
    {
        if (connection.Quota is { } lease)
        {
            _manager.Quotas?.Activate(lease);
        }
    }
}
