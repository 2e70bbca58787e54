namespace SignalRLite;

/// <summary>
/// Options of the live dashboard that <c>MapSignalRLiteDashboard</c> maps. By default the dashboard requires an
/// authenticated user (the application's default authorization policy); it is opened to everyone only when
/// <see cref="AllowAnonymous"/> is set.
/// </summary>
public sealed class SignalRLiteDashboardOptions
{
    /// <summary>
    /// The authorization policy the dashboard requires, by name. <see langword="null"/> (the default) means the
    /// application's default policy (an authenticated user unless the application changed it).
    /// </summary>
    public string? AuthorizationPolicy { get; set; }

    /// <summary>
    /// Serves the dashboard to anyone, without authorization (it also overrides a fallback policy). Off by default: the
    /// dashboard shows method names, group traffic and load, which is not for the public.
    /// </summary>
    public bool AllowAnonymous { get; set; }
}
