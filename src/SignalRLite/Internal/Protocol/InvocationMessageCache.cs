using System.Diagnostics;
using SignalRLite.Protocol;

namespace SignalRLite.Internal.Protocol;

/// <summary>
/// One connection's <see cref="IInvocationMessagePool"/>: a spare <see cref="InvocationMessage"/> and argument array,
/// handed back by the hub runtime once an invocation that nothing else saw is done, and reused by the parser.
/// </summary>
/// <remarks>
/// <para>Lock-free, one slot each: the parser takes on the read loop while invocations give back on the thread pool,
/// so both sides go through interlocked exchanges; whatever does not fit is left to the GC.</para>
/// <para>Invariants:</para>
/// <list type="number">
/// <item>An object in a slot is referenced by nothing else: only the scope-less fast path gives back, after the
/// Completion was written and before anything else could see the message (no filter, no scope, no continuation; see
/// HubDispatcher.InlinePath.cs).</item>
/// <item>An object taken from a slot belongs to the taker alone: the exchange (or compare-exchange) that takes it
/// empties the slot, so two takers never get the same object.</item>
/// <item>A spare argument array is all null (cleared before it is given back), as <see cref="RentArguments"/> promises.</item>
/// </list>
/// </remarks>
internal sealed class InvocationMessageCache : IInvocationMessagePool
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
        if (spare is not null && spare.Length == count && Interlocked.CompareExchange(ref _arguments, null, spare) == spare)
        {
            AssertCleared(spare);
            return spare;
        }

        return new object?[count];
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

    /// <summary>Invariant 3: a spare argument array holds no reference.</summary>
    [Conditional("DEBUG")]
    private static void AssertCleared(object?[] arguments) =>
        Debug.Assert(Array.TrueForAll(arguments, a => a is null), "A spare argument array still holds arguments.");
}
