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

    /// <summary>Legacy binary serialisation (BinaryFormatter); kept for source compatibility only.</summary>
    [Obsolete("Legacy serialization support is obsolete.", DiagnosticId = "SYSLIB0051")]
    public HubException(System.Runtime.Serialization.SerializationInfo info, System.Runtime.Serialization.StreamingContext context)
        : base(info, context)
    {
    }
}
