using System.Runtime.ExceptionServices;

namespace SignalRLite.Protocol;

/// <summary>Produced by a parser for an invocation whose arguments could not be bound; the connection stays usable.</summary>
public class InvocationBindingFailureMessage : HubInvocationMessage
{
    /// <summary>Creates the message.</summary>
    public InvocationBindingFailureMessage(string? invocationId, string target, ExceptionDispatchInfo bindingFailure)
        : base(invocationId)
    {
        Target = target;
        BindingFailure = bindingFailure;
    }

    /// <summary>The method the client tried to call.</summary>
    public string Target { get; }

    /// <summary>What went wrong.</summary>
    public ExceptionDispatchInfo BindingFailure { get; }
}
