using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Internal.Diagnostics;
using SignalRLite.Protocol;

namespace SignalRLite.Internal.Hubs;

// Invocations in a DI scope, through the filter pipeline and [Authorize], and the pump of server-to-client streams.
//
// A server-to-client stream holds its parallel-invocation slot while its method runs and gives it back once the method
// returned the stream: the items are pumped outside the limit (as the official server counts them).
internal sealed partial class HubDispatcher<THub>
{
    private async Task InvokeInScopeAsync(
        HubConnectionContext connection,
        HubMethodInvocationMessage message,
        HubMethodDescriptor descriptor,
        CancellationTokenSource? cts,
        IUploadStream[]? streams,
        QueuedInvocation slot,
        long start)
    {
        var id = message.InvocationId;
        var outcome = InvocationOutcome.Unhandled;
        var activity = HubActivitySource.IsEnabled
            ? HubActivitySource.StartInvocation(typeof(THub), message.Target, message.Headers, ConnectionRequestActivity(connection))
            : null;
        var scope = _scopeFactory.CreateAsyncScope();
        THub? hub = null;
        var created = false;
        var streamingStarted = false;
        try
        {
            hub = CreateHub(scope.ServiceProvider, connection, out created);
            var arguments = BuildArguments(descriptor, message.Arguments, scope.ServiceProvider, connection, cts, streams);
            // hub.Context, not connection.CallerContext: the view the hub got, which an authentication refresh does not change.
            var context = new HubInvocationContext(hub.Context, scope.ServiceProvider, hub, descriptor.Method, arguments)
            {
                Descriptor = descriptor,
            };

            if (descriptor.AuthorizeData.Length > 0 && (!PassesExpiryCheck(connection) || !await IsAuthorizedAsync(context, descriptor).ConfigureAwait(false)))
            {
                HubLog.InvocationUnauthorized(_logger, descriptor.Name, connection.ConnectionId);
                outcome = InvocationOutcome.Unauthorized;
                if (id is not null && connection.CloseReason == HubConnectionCloseReason.None)
                {
                    await connection.WriteAsync(CompletionMessage.WithError(id, HubErrors.Unauthorized(message.Target))).ConfigureAwait(false);
                }

                return;
            }

            var result = await _invokePipeline(context).ConfigureAwait(false);

            if (descriptor.IsStreamingMethod)
            {
                if (result is null)
                {
                    throw new InvalidOperationException($"The streaming method '{descriptor.Name}' returned null.");
                }

                // The stream's items are pumped outside the parallel-invocation limit.
                slot.ReleaseSlot();
                streamingStarted = true;
                _ = StreamResultsAsync(connection, message, descriptor, descriptor.StreamEnumerator!(result, cts!.Token), cts, streams, scope, hub, created, activity, start);
                return;
            }

            if (id is not null)
            {
                await connection.WriteAsync(CompletionMessage.WithResult(id, result)).ConfigureAwait(false);
            }

            outcome = InvocationOutcome.Success;
        }
        catch (Exception ex)
        {
            outcome = SignalRLiteMetrics.OutcomeOf(ex, cts?.IsCancellationRequested ?? connection.ConnectionAborted.IsCancellationRequested);
            HubActivitySource.SetError(activity, ex);
            await AnswerFailureAsync(connection, message, descriptor, ex).ConfigureAwait(false);
        }
        finally
        {
            if (!streamingStarted)
            {
                EndInvocation(connection, message, cts, streams);
                ReleaseHub(scope.ServiceProvider, hub, created);
                await scope.DisposeAsync().ConfigureAwait(false);
                activity?.Dispose();
                Metrics.InvocationEnded(HubName, descriptor.Name, outcome, start);
            }
        }
    }

    /// <summary>The activity of the HTTP request that carries (or, for Long Polling, started) the connection, if any.</summary>
    private static System.Diagnostics.Activity? ConnectionRequestActivity(HubConnectionContext connection) =>
        connection.Features.Get<SignalRLite.Http.Connections.Features.IHttpContextFeature>()?.HttpContext?.Features
            .Get<Microsoft.AspNetCore.Http.Features.IHttpActivityFeature>()?.Activity;

    /// <summary>
    /// Evaluates the method's <c>[Authorize]</c> data against the connection's user, with the invocation context as the
    /// resource (so handlers can inspect the method and its arguments). Runs before the filters.
    /// </summary>
    private static async Task<bool> IsAuthorizedAsync(HubInvocationContext context, HubMethodDescriptor descriptor)
    {
        var services = context.ServiceProvider;
        var policyProvider = services.GetService<IAuthorizationPolicyProvider>()
            ?? throw new InvalidOperationException($"Hub method '{descriptor.Name}' has [Authorize] but authorization services are not registered (call AddAuthorization).");
        var policy = await AuthorizationPolicy.CombineAsync(policyProvider, descriptor.AuthorizeData).ConfigureAwait(false);
        if (policy is null)
        {
            return true;
        }

        var user = context.Context.User ?? new System.Security.Claims.ClaimsPrincipal();
        var result = await services.GetRequiredService<IAuthorizationService>().AuthorizeAsync(user, context, policy).ConfigureAwait(false);
        return result.Succeeded;
    }

    private async Task StreamResultsAsync(
        HubConnectionContext connection,
        HubMethodInvocationMessage message,
        HubMethodDescriptor descriptor,
        IAsyncEnumerable<object?> items,
        CancellationTokenSource cts,
        IUploadStream[]? streams,
        AsyncServiceScope scope,
        THub hub,
        bool created,
        System.Diagnostics.Activity? activity,
        long start)
    {
        var id = message.InvocationId!;
        string? error = null;
        var outcome = InvocationOutcome.Success;
        try
        {
            await foreach (var item in items.ConfigureAwait(false))
            {
                // Once cancelled (CancelInvocation, the end of the connection), items the method still produces are
                // not sent, as on the official server (observed): the stream ends with its Completion.
                if (cts.IsCancellationRequested)
                {
                    outcome = InvocationOutcome.Cancelled;
                    break;
                }

                await connection.WriteAsync(new StreamItemMessage(id, item)).ConfigureAwait(false);
                Metrics.StreamItem(HubName, descriptor.Name, upload: false);
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            // Cancelled by the client (CancelInvocation) or by the end of the connection.
            outcome = InvocationOutcome.Cancelled;
        }
        catch (Exception ex)
        {
            outcome = SignalRLiteMetrics.OutcomeOf(ex, cancellationRequested: false);
            HubLog.InvocationFailed(_logger, id, ex);
            HubActivitySource.SetError(activity, ex);
            error = HubErrors.StreamFailed(ex, EnableDetailedErrors);
        }
        finally
        {
            // Like every other invocation: its cancellation and its uploads end with it (an upload the method stopped
            // reading would otherwise fill its buffer and stall the connection's read loop).
            EndInvocation(connection, message, cts, streams);
            ReleaseHub(scope.ServiceProvider, hub, created);
            await scope.DisposeAsync().ConfigureAwait(false);
            activity?.Dispose();
            Metrics.InvocationEnded(HubName, descriptor.Name, outcome, start);
        }

        await connection.WriteAsync(error is null ? CompletionMessage.Empty(id) : CompletionMessage.WithError(id, error)).ConfigureAwait(false);
    }

    private static void EndInvocation(HubConnectionContext connection, HubMethodInvocationMessage message, CancellationTokenSource? cts, IUploadStream[]? streams)
    {
        var invocations = connection.GetInvocations();
        // Held rate limit leases (concurrency, custom policies) end with the invocation; null unless rate limiting holds one.
        invocations.RateLimitLeases?.Release(message);
        if (cts is not null)
        {
            invocations.Active.TryRemove(KeyValuePair.Create(message.InvocationId!, cts));
            cts.Dispose();
        }

        if (streams is not null)
        {
            // Later StreamItem/Completion messages for these ids are ignored.
            for (var i = 0; i < streams.Length; i++)
            {
                // Only this invocation's own stream: a later invocation may have taken the id over.
                invocations.Streams.TryRemove(KeyValuePair.Create(message.StreamIds![i], streams[i]));
                streams[i].Complete();
            }
        }
    }

    // The token is read only for a CancellationToken parameter: reading ConnectionAborted creates its source.
    private static object?[] BuildArguments(HubMethodDescriptor descriptor, object?[] wireArguments, IServiceProvider services, HubConnectionContext connection, CancellationTokenSource? cts, IUploadStream[]? streams)
    {
        var sources = descriptor.Sources;
        if (wireArguments.Length == sources.Length)
        {
            // Every parameter comes from the wire: the parser's array is used as is.
            return wireArguments;
        }

        var arguments = new object?[sources.Length];
        int wire = 0, stream = 0;
        for (var i = 0; i < sources.Length; i++)
        {
            arguments[i] = sources[i] switch
            {
                HubParameterSource.Wire => wireArguments[wire++],
                HubParameterSource.CancellationToken => cts?.Token ?? connection.ConnectionAborted,
                HubParameterSource.Services => services.GetRequiredService(descriptor.ParameterTypes[i]),
                HubParameterSource.KeyedServices => services.GetRequiredKeyedService(descriptor.ParameterTypes[i], descriptor.ServiceKeys[i]),
                HubParameterSource.UploadStream => streams![stream++].ParameterValue,
                _ => throw new InvalidOperationException(),
            };
        }

        return arguments;
    }
}
