using SignalRLite.Protocol;

namespace SignalRLite.Internal.Protocol;

/// <summary>
/// One connection's spare <see cref="InvocationMessage"/> and argument array, handed back by the hub runtime once an
/// invocation that nothing else saw (no filter, no scope, completed synchronously) is done, and reused by the parser.
/// </summary>
/// <remarks>
/// One slot each; the parser takes on the read loop while invocations give back on the thread pool, so both go
/// through interlocked exchanges. Whatever does not fit is simply left to the GC.
/// </remarks>
internal sealed class InvocationMessageCache
{
    private InvocationMessage? _message;
    private object?[]? _arguments;

    public object?[] RentArguments(int count)
    {
        if (count == 0)
        {
            return [];
        }

        var spare = Volatile.Read(ref _arguments);
        return spare is not null && spare.Length == count && Interlocked.CompareExchange(ref _arguments, null, spare) == spare
            ? spare
            : new object?[count];
    }

    public InvocationMessage CreateInvocation(string? invocationId, string target, object?[] arguments, string[]? streamIds)
    {
        var spare = Interlocked.Exchange(ref _message, null);
        if (spare is null)
        {
            return new InvocationMessage(invocationId, target, arguments, streamIds);
        }

        spare.Reuse(invocationId, target, arguments, streamIds);
        return spare;
    }

    /// <summary>Takes back a message the parser made that no one refers to any more.</summary>
    public void Return(InvocationMessage message)
    {
        var arguments = message.Arguments;
        message.Reuse(null, message.Target, [], null);
        message.Headers = null;
        Volatile.Write(ref _message, message);
        if (arguments.Length > 0)
        {
            Array.Clear(arguments);
            Volatile.Write(ref _arguments, arguments);
        }
    }
}
