namespace SignalRLite;

/// <summary>What happens to an invocation a hub rate limit policy rejects.</summary>
public enum HubRateLimitAction
{
    /// <summary>
    /// The invocation gets a Completion with the error <c>Failed to invoke '&lt;method&gt;' because the rate limit
    /// '&lt;policy&gt;' was exceeded.</c> (a client sees a HubException with that message). A non-blocking send (no
    /// invocation id) is dropped.
    /// </summary>
    Error,

    /// <summary>The message is dropped without an answer.</summary>
    Drop,

    /// <summary>The connection is closed with a Close message carrying <c>Connection closed with an error. Rate limit '&lt;policy&gt;' exceeded.</c> and <c>allowReconnect: false</c>.</summary>
    Close,
}
