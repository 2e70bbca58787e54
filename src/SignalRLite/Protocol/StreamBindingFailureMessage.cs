using System.Runtime.ExceptionServices;

namespace SignalRLite.Protocol;

/// <summary>Produced by a parser for a stream item that could not be bound to the stream's item type.</summary>
public class StreamBindingFailureMessage : HubMessage
{
    /// <summary>Creates the message.</summary>
    public StreamBindingFailureMessage(string id, ExceptionDispatchInfo bindingFailure)
    {
        Id = id;
        BindingFailure = bindingFailure;
    }

    /// <summary>The stream id.</summary>
    public string Id { get; }

    /// <summary>What went wrong.</summary>
    public ExceptionDispatchInfo BindingFailure { get; }
}
