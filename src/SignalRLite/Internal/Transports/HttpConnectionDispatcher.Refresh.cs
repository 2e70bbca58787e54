using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using SignalRLite.Http.Connections;
using SignalRLite.Internal.Connections;
using SignalRLite.Internal.Protocol;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// Authentication refresh, <c>POST {hub}/refresh</c> (the .NET 11 endpoint; mapped only with
/// <see cref="HttpConnectionDispatcherOptions.EnableAuthenticationRefresh"/>). The authentication and authorization
/// middleware have already run with the hub's metadata; what is left is finding the connection and replacing its user.
/// </summary>
/// <remarks>
/// Wire, as the official 11.0.0 .NET client sends it (observed): <c>POST {hub}/refresh</c>, no query, the connection
/// token in the <c>X-SignalR-Connection-Token</c> header, the new bearer token in <c>Authorization</c>. The documented
/// form (dotnet/AspNetCore.Docs#37691) puts the token in <c>id</c>; both are accepted, the header first. Answers are
/// JSON: 200 <c>{"tokenLifetimeSeconds":n}</c> (or <c>{}</c> without expiry), otherwise <c>{"error":"..."}</c>.
/// </remarks>
internal sealed partial class HttpConnectionDispatcher
{
    internal const string ConnectionTokenHeader = "X-SignalR-Connection-Token";

    public async Task ExecuteRefreshAsync(HttpContext context, HttpConnectionDispatcherOptions options)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            AnswerEmpty(context, StatusCodes.Status405MethodNotAllowed);
            return;
        }

        var header = context.Request.Headers[ConnectionTokenHeader];
        var token = StringValues.IsNullOrEmpty(header) ? GetId(context) : header[0];
        if (token is null)
        {
            await AnswerRefreshAsync(context, StatusCodes.Status400BadRequest, "Connection ID required", null).ConfigureAwait(false);
            return;
        }

        // Only connections of negotiate version 1 offer the feature: a version 0 connection's token is its public ID.
        if (!_manager.TryGetConnection(token, out var connection)
            || connection.Features.Get<IAuthenticationRefreshFeature>() is not AuthenticationRefreshFeature refresh)
        {
            await AnswerRefreshAsync(context, StatusCodes.Status404NotFound, "No Connection with that ID", null).ConfigureAwait(false);
            return;
        }

        var (status, error, expiry) = await refresh.RefreshAsync(context, options).ConfigureAwait(false);
        await AnswerRefreshAsync(context, status, error, expiry, connection.TimeProvider).ConfigureAwait(false);
    }

    /// <summary>Offers refresh on a connection negotiate just created; returns the token lifetime negotiate reports, if the authentication expires.</summary>
    private long? AddAuthenticationRefresh(HttpConnectionContext connection, AuthenticationExpirationFeature expiration, HttpConnectionDispatcherOptions options)
    {
        connection.Features.Set<IAuthenticationRefreshFeature>(new AuthenticationRefreshFeature(connection, expiration, _logger));
        return expiration.ExpiresUtc is { } expires ? TokenLifetimeSeconds(expires, connection.TimeProvider) : null;
    }

    /// <summary>Whole seconds from now to <paramref name="expiry"/> (at least 0), as negotiate and refresh report them.</summary>
    internal static long TokenLifetimeSeconds(DateTimeOffset expiry, TimeProvider time) =>
        Math.Clamp((long)Math.Floor((expiry - time.GetUtcNow()).TotalSeconds), 0, int.MaxValue);

    private Task AnswerRefreshAsync(HttpContext context, int status, string? error, DateTimeOffset? expiry, TimeProvider? time = null)
    {
        if (error is not null)
        {
            TransportLog.RequestRefused(_logger, context.Request.Method, status, error);
        }

        var buffer = PooledBufferWriter.Rent();
        try
        {
            NegotiateResponseWriter.WriteRefresh(buffer, error, expiry is { } e && time is not null ? TokenLifetimeSeconds(e, time) : null);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = buffer.WrittenSpan.Length;
            context.Response.BodyWriter.Write(buffer.WrittenSpan);
        }
        finally
        {
            PooledBufferWriter.Return(buffer);
        }

        return context.Response.BodyWriter.FlushAsync(context.RequestAborted).AsTask();
    }
}
