namespace SignalRLite.Internal.Quotas;

/// <summary>Which connection quota refused a request (none: admitted). The metric tag and the 429 body follow from it.</summary>
internal enum QuotaRefusal
{
    None,
    User,
    ClientIp,
    PendingClientIp,
    Pending,
}

internal static class QuotaRefusalExtensions
{
    /// <summary>The <c>signalrlite.quota</c> tag value (cached strings: bounded cardinality, no allocation).</summary>
    public static string TagValue(this QuotaRefusal refusal) => refusal switch
    {
        QuotaRefusal.User => "user",
        QuotaRefusal.ClientIp => "client_ip",
        QuotaRefusal.PendingClientIp => "pending_client_ip",
        QuotaRefusal.Pending => "pending",
        _ => "none",
    };

    /// <summary>The text/plain body of the 429.</summary>
    public static string Message(this QuotaRefusal refusal) => refusal switch
    {
        QuotaRefusal.User => "Too many connections for this user.",
        QuotaRefusal.ClientIp => "Too many connections for this client address.",
        QuotaRefusal.PendingClientIp => "Too many pending connections for this client address.",
        _ => "Too many pending connections.",
    };

    /// <summary>
    /// Pending slots free up within moments when legitimate clients attach their transport (or at the latest after the
    /// pending lifetime), so a retry soon can succeed: those refusals carry <c>Retry-After</c>. A connection slot of a
    /// user or an address frees only when one of its connections ends, which no delay predicts: no header.
    /// </summary>
    public static bool IsRetryable(this QuotaRefusal refusal) => refusal is QuotaRefusal.PendingClientIp or QuotaRefusal.Pending;
}
