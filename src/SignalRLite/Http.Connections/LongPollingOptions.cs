namespace SignalRLite.Http.Connections;

/// <summary>Long Polling transport options.</summary>
public class LongPollingOptions
{
    /// <summary>How long a poll waits for data before it returns empty. 90 s by default.</summary>
    public TimeSpan PollTimeout { get; set; } = TimeSpan.FromSeconds(90);
}
