namespace SignalRLite;

/// <summary>Options of the graceful drain (<see cref="IServerDrain"/>, <c>AddGracefulDrain</c>).</summary>
public sealed class GracefulDrainOptions
{
    /// <summary>
    /// Whether the drain runs when the host stops (instead of ending every connection at once, as the official server
    /// does). True by default once <c>AddGracefulDrain</c> is called. The host's <c>ShutdownTimeout</c> still bounds it.
    /// </summary>
    public bool DrainOnShutdown { get; set; } = true;

    /// <summary>How long in-flight invocations and streams may go on before the connections are closed (default 10 s).</summary>
    public TimeSpan InvocationDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many connections are closed per second (default 500), in batches ten times a second.</summary>
    public int ClosesPerSecond { get; set; } = 500;
}
