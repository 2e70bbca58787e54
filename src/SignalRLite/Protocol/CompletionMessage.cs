namespace SignalRLite.Protocol;

/// <summary>Type 3: ends an invocation or a stream, with a result, an error, or neither.</summary>
public class CompletionMessage : HubInvocationMessage
{
    /// <summary>Creates the message. <paramref name="error"/> and a result are mutually exclusive.</summary>
    public CompletionMessage(string invocationId, string? error, object? result, bool hasResult)
        : base(invocationId)
    {
        if (error is not null && hasResult)
        {
            throw new ArgumentException("A completion cannot carry both an error and a result.", nameof(error));
        }

        Error = error;
        Result = result;
        HasResult = hasResult;
    }

    /// <summary>The error text, when the invocation failed.</summary>
    public string? Error { get; }

    /// <summary>The result, meaningful only when <see cref="HasResult"/>.</summary>
    public object? Result { get; private set; }

    /// <summary>Whether the completion carries a result (possibly <c>null</c>): false for void methods and streams.</summary>
    public bool HasResult { get; private set; }

    /// <summary>A completion with an error.</summary>
    public static CompletionMessage WithError(string invocationId, string? error) => new(invocationId, error, null, false);

    /// <summary>A completion with a result.</summary>
    public static CompletionMessage WithResult(string invocationId, object? payload) => new(invocationId, null, payload, true);

    /// <summary>A completion of a void method or of a stream.</summary>
    public static CompletionMessage Empty(string invocationId) => new(invocationId, null, null, false);

    /// <summary>
    /// Turns a completion owned by the hub runtime (never one handed to user code) into the completion of another
    /// invocation without an error; it must be written (serialised) before it is set again.
    /// </summary>
    internal CompletionMessage Reuse(string invocationId, object? result, bool hasResult)
    {
        InvocationId = invocationId;
        Result = result;
        HasResult = hasResult;
        return this;
    }

    /// <inheritdoc />
    public override string ToString() => $"Completion {{ InvocationId: \"{InvocationId}\", Error: \"{Error}\", HasResult: {HasResult} }}";
}
