namespace SignalRLite;

/// <summary>An error whose message is sent to the client even when detailed errors are off.</summary>
public class HubException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HubException()
    {
    }

    /// <summary>Creates the exception with a message for the client.</summary>
    public HubException(string? message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message for the client and an inner exception (never sent).</summary>
    public HubException(string? message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
