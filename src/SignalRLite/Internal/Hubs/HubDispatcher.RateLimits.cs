using SignalRLite.Internal.RateLimiting;
using SignalRLite.Protocol;

namespace SignalRLite.Internal.Hubs;

// Hub rate limiting (AddHubRateLimiter, [HubRateLimit]): only when some policy applies to this hub (_rateLimits is not
// null); otherwise DispatchMessageAsync goes straight to ProcessInvocationAsync, without any rate limit work.
//
// Every Invocation/StreamInvocation and every InvocationBindingFailure (arguments the parser could not bind) is admitted
// here on the read loop before anything else happens to it, so calls to unknown methods and binding failures count
// against the global policies (and, for a known method, against its own). Leases of concurrency and custom policies are
// held (HubRateLimitLeases) until the invocation ends (EndInvocation; a stream: when it ends) or the connection ends;
// an invocation refused by the dispatcher's own checks never runs, so its leases are released at once.
internal sealed partial class HubDispatcher<THub>
{
    private ValueTask ProcessLimitedInvocationAsync(HubConnectionContext connection, HubMethodInvocationMessage message) =>
        ProcessLimitedAsync(connection, message, message.Target);

    private ValueTask ProcessLimitedBindingFailureAsync(HubConnectionContext connection, InvocationBindingFailureMessage failure) =>
        ProcessLimitedAsync(connection, failure, failure.Target);

    /// <summary>Admits an invocation or a binding failure (<paramref name="message"/>, of <paramref name="target"/>), then processes it as the dispatcher would without limits.</summary>
    private ValueTask ProcessLimitedAsync(HubConnectionContext connection, HubInvocationMessage message, string target)
    {
        Methods.TryGet(target, out var descriptor);
        var admit = _rateLimits!.AdmitAsync(connection, descriptor);
        return admit.IsCompletedSuccessfully
            ? ContinueLimited(connection, message, target, descriptor, admit.Result)
            : ContinueLimitedAsync(connection, message, target, descriptor, admit);
    }

    private async ValueTask ContinueLimitedAsync(HubConnectionContext connection, HubInvocationMessage message, string target, HubMethodDescriptor? descriptor, ValueTask<HubRateLimitAdmission> admit)
    {
        var admission = await admit.ConfigureAwait(false);
        await ContinueLimited(connection, message, target, descriptor, admission).ConfigureAwait(false);
    }

    private ValueTask ContinueLimited(HubConnectionContext connection, HubInvocationMessage message, string target, HubMethodDescriptor? descriptor, HubRateLimitAdmission admission)
    {
        if (admission.Rejected is { } policy)
        {
            return RejectAsync(connection, message.InvocationId, target, descriptor, policy);
        }

        if (message is not HubMethodInvocationMessage invocation)
        {
            if (admission.Held is { } failureHeld)
            {
                // Nothing runs for a binding failure.
                HubRateLimitLeases.Dispose(failureHeld);
            }

            return ProcessBindingFailureAsync(connection, (InvocationBindingFailureMessage)message);
        }

        if (admission.Held is { } held)
        {
            if (descriptor is null
                || descriptor.IsStreamingMethod != (invocation is StreamInvocationMessage)
                || (invocation.StreamIds?.Length ?? 0) != descriptor.UploadStreamFactories.Length)
            {
                // ProcessInvocationAsync answers these with an error without running anything: nothing would release them.
                HubRateLimitLeases.Dispose(held);
            }
            else
            {
                // Before ProcessInvocationAsync: the invocation may run (and end) on this thread before it returns.
                (connection.GetInvocations().RateLimitLeases ??= new HubRateLimitLeases()).Hold(invocation, held);
            }
        }

        return ProcessInvocationAsync(connection, invocation);
    }

    /// <summary>Counts the rejection and applies the policy's action; <see cref="HubRateLimitAction.Close"/> throws for the read loop.</summary>
    private ValueTask RejectAsync(HubConnectionContext connection, string? invocationId, string target, HubMethodDescriptor? descriptor, HubRateLimitPolicy policy)
    {
        // An unknown target is reported as the invocations counter reports it (_OTHER), so the two series join on signalr.method.
        Metrics.RateLimitRejected(HubName, descriptor?.Name ?? SignalRLite.Internal.Diagnostics.SignalRLiteMetrics.OtherMethod, policy.Name, policy.ActionName);
        switch (policy.Action)
        {
            case HubRateLimitAction.Close:
                HubRateLimitLog.Closing(_logger, target, connection.ConnectionId, policy.Name);
                throw new HubRateLimitCloseException(policy.Name);
            case HubRateLimitAction.Error when invocationId is not null:
                HubRateLimitLog.Rejected(_logger, target, connection.ConnectionId, policy.Name);
                return connection.WriteAsync(CompletionMessage.WithError(invocationId, RateLimitedError(target, policy.Name)));
            default:
                // Drop, or Error for a non-blocking send (no invocation id to answer).
                HubRateLimitLog.Dropped(_logger, target, connection.ConnectionId, policy.Name);
                return default;
        }
    }

    internal static string RateLimitedError(string target, string policy) =>
        $"Failed to invoke '{target}' because the rate limit '{policy}' was exceeded.";
}
