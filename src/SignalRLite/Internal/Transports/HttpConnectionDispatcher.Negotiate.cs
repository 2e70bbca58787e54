using System.Buffers;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using SignalRLite.Http.Connections;
using SignalRLite.Internal.Protocol;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// Negotiate (TransportProtocols.md, "Negotiate"): creates a connection and answers its ID, token and transports.
/// </summary>
internal sealed partial class HttpConnectionDispatcher
{
    public async Task ExecuteNegotiateAsync(HttpContext context, HttpConnectionDispatcherOptions options)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            AnswerEmpty(context, StatusCodes.Status405MethodNotAllowed);
            return;
        }

        // As measured on the official server: absent means 0; anything present that is not one integer (empty, "abc",
        // "1.5", out of range, repeated) is answered 200 with an error body, like a version below the minimum.
        var version = 0;
        string? error = null;
        var versionValues = context.Request.Query["negotiateVersion"];
        if (versionValues.Count > 0
            && (versionValues.Count > 1 || !int.TryParse(versionValues[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out version)))
        {
            error = "The client requested a non-integer protocol version.";
        }
        else if (version < options.MinimumProtocolVersion)
        {
            error = $"The client requested version '{version}', but the server does not support this version.";
        }

        SignalRLite.Internal.Quotas.QuotaLease? quota = null;
        if (error is null)
        {
            bool admitted;
            (admitted, quota) = await AdmitAsync(context, pending: true).ConfigureAwait(false);
            if (!admitted)
            {
                return;
            }
        }

        var buffer = PooledBufferWriter.Rent();
        try
        {
            if (error is not null)
            {
                NegotiateResponseWriter.WriteError(buffer, error);
                TransportLog.RequestRefused(_logger, context.Request.Method, StatusCodes.Status200OK, error);
            }
            else
            {
                version = Math.Min(version, 1);
                // Any version (the official server offers it with version 0 too).
                var statefulReconnect = options.AllowStatefulReconnects
                    && string.Equals(context.Request.Query["useStatefulReconnect"], "true", StringComparison.OrdinalIgnoreCase);
                var connection = _manager.CreateConnection(options, version, statefulReconnect, quota);
                connection.UpdateFromRequest(context);
                var expiration = AuthenticationExpirationFeature.SetFromRequest(connection, context, options);
                var tokenLifetime = version >= 1 && options.EnableAuthenticationRefresh ? AddAuthenticationRefresh(connection, expiration!, options) : null;
                NegotiateResponseWriter.WriteConnection(
                    buffer,
                    version,
                    connection.ConnectionId,
                    version >= 1 ? connection.ConnectionToken : null,
                    options.Transports,
                    statefulReconnect,
                    tokenLifetime);
                TransportLog.Negotiated(_logger, version, connection.ConnectionId);
                _metrics?.Negotiated();
            }

            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = buffer.WrittenSpan.Length;
            context.Response.BodyWriter.Write(buffer.WrittenSpan);
        }
        finally
        {
            PooledBufferWriter.Return(buffer);
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
