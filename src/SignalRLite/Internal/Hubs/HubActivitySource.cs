using System.Diagnostics;

namespace SignalRLite.Internal.Hubs;

/// <summary>
/// The hub activities of the official server, under its source name so that an OpenTelemetry pipeline that calls
/// <c>AddSource("Microsoft.AspNetCore.SignalR.Server")</c> keeps working: one Server activity per hub method invocation
/// (<c>…InvocationIn</c>, parented by the trace context that the official clients send in the invocation's headers) and
/// one Internal activity each for <c>OnConnectedAsync</c> and <c>OnDisconnectedAsync</c>. Names, kinds, tags and parents
/// were observed black-box (<c>OfficialTracingComparisonTests</c>).
/// </summary>
/// <remarks>Static and stateless: <see cref="ActivitySource"/> is thread-safe, and when nothing listens
/// <see cref="ActivitySource.StartActivity(string, ActivityKind, ActivityContext, IEnumerable{KeyValuePair{string, object?}}?, IEnumerable{ActivityLink}?, DateTimeOffset)"/>
/// returns null without allocating (the hot path checks <see cref="IsEnabled"/> first).</remarks>
internal static class HubActivitySource
{
    public const string Name = "Microsoft.AspNetCore.SignalR.Server";
    public const string InvocationIn = Name + ".InvocationIn";
    public const string OnConnected = Name + ".OnConnected";
    public const string OnDisconnected = Name + ".OnDisconnected";

    private static readonly ActivitySource Source = new(Name);

    /// <summary>True when some listener may want hub activities.</summary>
    public static bool IsEnabled => Source.HasListeners();

    /// <summary>
    /// Starts the activity of one invocation of <paramref name="method"/>; null when nobody listens. Its parent is the
    /// trace context in <paramref name="headers"/>, or none (not the long-lived request that carries the connection,
    /// which is linked instead, as on the official server).
    /// </summary>
    /// <remarks>Clears <see cref="Activity.Current"/> for the rest of the calling async method when no context came.</remarks>
    public static Activity? StartInvocation(Type hubType, string method, IDictionary<string, string>? headers, Activity? connectionRequest)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var parent = default(ActivityContext);
        if (headers is { Count: > 0 })
        {
            DistributedContextPropagator.Current.ExtractTraceIdAndState(
                headers,
                static (carrier, name, out value, out values) =>
                {
                    values = null;
                    value = ((IDictionary<string, string>)carrier!).TryGetValue(name, out var v) ? v : null;
                },
                out var traceParent,
                out var traceState);
            if (traceParent is not null)
            {
                ActivityContext.TryParse(traceParent, traceState, isRemote: true, out parent);
            }
        }

        if (parent == default)
        {
            // A root activity: without this, the request activity current on the connection's loop would be the parent.
            Activity.Current = null;
        }

        ActivityLink[]? links = connectionRequest is null ? null : [new ActivityLink(connectionRequest.Context)];
        return Start(InvocationIn, ActivityKind.Server, parent, hubType, method, links);
    }

    /// <summary>Starts the activity of <c>OnConnectedAsync</c> or <c>OnDisconnectedAsync</c>; null when nobody listens.</summary>
    public static Activity? StartLifetime(Type hubType, bool connected) =>
        Source.HasListeners()
            ? Start(connected ? OnConnected : OnDisconnected, ActivityKind.Internal, default, hubType, connected ? "OnConnectedAsync" : "OnDisconnectedAsync", links: null)
            : null;

    /// <summary>Marks <paramref name="activity"/> failed with <paramref name="error"/>, as the official server does.</summary>
    public static void SetError(Activity? activity, Exception error)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("error.type", error.GetType().FullName);
        activity.SetStatus(ActivityStatusCode.Error);
    }

    private static Activity? Start(string operation, ActivityKind kind, ActivityContext parent, Type hubType, string method, ActivityLink[]? links)
    {
        var hubName = hubType.FullName ?? hubType.Name;
        // Tags before the start, so that samplers see them; their order is the official server's.
        var activity = Source.StartActivity(operation, kind, parent, [
            new("rpc.method", method),
            new("rpc.system", "signalr"),
            new("rpc.service", hubName),
        ], links);
        if (activity is not null)
        {
            activity.DisplayName = $"{hubName}/{method}";
        }

        return activity;
    }
}
