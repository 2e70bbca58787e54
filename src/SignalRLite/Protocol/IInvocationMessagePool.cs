namespace SignalRLite.Protocol;

/// <summary>
/// Optionally implemented by an <see cref="IInvocationBinder"/>: a hub protocol's parser that finds it on the binder
/// takes the <see cref="InvocationMessage"/> objects and argument arrays it produces from here, so that the hub runtime
/// can reuse them once an invocation is done. SignalRLite's binders implement it for each connection; both built-in
/// protocols use it, and a custom protocol may.
/// </summary>
/// <remarks>
/// Called on the connection's read loop. What is rented belongs to the parser's caller until the runtime gives it back;
/// a parser must not keep a reference.
/// </remarks>
public interface IInvocationMessagePool
{
    /// <summary>An argument array of <paramref name="count"/> elements, all null.</summary>
    object?[] RentArguments(int count);

    /// <summary>An invocation with these values (a reused object or a new one).</summary>
    InvocationMessage CreateInvocation(string? invocationId, string target, object?[] arguments, string[]? streamIds);
}
