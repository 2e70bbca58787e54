using System.Diagnostics;

namespace SignalRLite.Internal.Hubs;

/// <summary>
/// The span of a send through a hub's clients (<c>IHubContext&lt;THub&gt;.Clients</c>, and the same clients a hub's
/// <c>Clients</c> is built on), on the activity source <c>SignalRLite</c>: operation <c>SignalRLite.Send</c>, display name
/// <c>send {target}</c>, kind Internal, a child of the current activity. It covers the lifetime manager's send (a local
/// fan-out, or a publish to a backplane, whose own spans are its children). A send to one connection (<c>Client</c>,
/// <c>Caller</c>) is <c>send connection</c>; a client-result invocation (<c>InvokeAsync</c> on one client) is
/// <c>invoke connection</c>, also tagged <c>signalrlite.client_result</c> = true, and lasts until the result arrives.
/// See docs/observability.md.
/// </summary>
/// <remarks>Stateless; the source is thread-safe. Nothing is started, tagged or allocated while nobody listens.</remarks>
internal static class HubSendTracing
{
    public const string ActivitySourceName = "SignalRLite";
    public const string SendActivityName = "SignalRLite.Send";

    private static readonly ActivitySource Source = new(ActivitySourceName);

    public static bool IsEnabled => Source.HasListeners();

    public const string ConnectionTarget = HubClientSelectionNames.Connection;

    public static Activity? Start(string hubName, HubClientSelection selection, string method) =>
        Start(hubName, HubClientSelectionNames.Of(selection), method, clientResult: false);

    /// <summary>The span of a send to one connection, or (<paramref name="clientResult"/>) of a client-result invocation.</summary>
    public static Activity? StartSingle(string hubName, string method, bool clientResult) =>
        Start(hubName, ConnectionTarget, method, clientResult);

    private static Activity? Start(string hubName, string target, string method, bool clientResult)
    {
        var activity = Source.StartActivity(SendActivityName, ActivityKind.Internal);
        if (activity is not null)
        {
            activity.DisplayName = clientResult ? "invoke " + target : "send " + target;
            if (activity.IsAllDataRequested)
            {
                activity.SetTag("signalr.hub", hubName);
                activity.SetTag("signalrlite.target", target);
                activity.SetTag("signalrlite.client_method", method);
                if (clientResult)
                {
                    activity.SetTag("signalrlite.client_result", true);
                }
            }
        }

        return activity;
    }

    public static void Failed(Activity? activity, Exception exception)
    {
        if (activity is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error);
            activity.SetTag("error.type", exception.GetType().FullName);
        }
    }
}
