namespace SignalRLite;

/// <summary>
/// Options of the admin HTTP endpoints that <c>MapSignalRLiteAdmin</c> maps. They always require authorization: the
/// policy named here, or the application's default policy (an authenticated user unless the application changed it).
/// There is deliberately no anonymous switch; an application that wants one can name a policy that allows it.
/// </summary>
public sealed class SignalRLiteAdminOptions
{
    /// <summary>The authorization policy the endpoints require, by name; null: the application's default policy.</summary>
    public string? AuthorizationPolicy { get; set; }

    /// <summary>The longest <c>reason</c> a close may carry to the client (default 256 characters; longer is a 400).</summary>
    public int MaximumReasonLength { get; set; } = 256;
}
