using SignalRLite.Protocol;

namespace SignalRLite.StackExchangeRedis.Internal;

/// <summary>A client-result invocation waiting for its Completion, local or from another server.</summary>
internal interface IPendingClientResult
{
    string ConnectionId { get; }

    Type ResultType { get; }

    void Complete(CompletionMessage completion);

    void SetException(Exception exception);

    void SetCanceled();
}

internal sealed class PendingClientResult<T> : TaskCompletionSource<T>, IPendingClientResult
{
    public PendingClientResult(string connectionId)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        ConnectionId = connectionId;
    }

    public string ConnectionId { get; }

    public Type ResultType => typeof(T);

    public void Complete(CompletionMessage completion)
    {
        if (completion.Error is not null)
        {
            TrySetException(new HubException(completion.Error));
        }
        else if (completion.HasResult && completion.Result is T value)
        {
            TrySetResult(value);
        }
        else if (!completion.HasResult || (completion.Result is null && default(T) is null))
        {
            TrySetResult(default!);
        }
        else
        {
            TrySetException(new InvalidDataException($"The client result could not be converted to '{typeof(T).Name}'."));
        }
    }

    void IPendingClientResult.SetException(Exception exception) => TrySetException(exception);

    void IPendingClientResult.SetCanceled() => TrySetCanceled();
}

/// <summary>Binds a Completion that came back through Redis to the invoking server's expected result type.</summary>
internal sealed class ClientResultBinder : IInvocationBinder
{
    private readonly Type _resultType;

    public ClientResultBinder(Type resultType)
    {
        _resultType = resultType;
    }

    public IReadOnlyList<Type> GetParameterTypes(string methodName) => throw new InvalidDataException("Expected a Completion message.");

    public Type GetReturnType(string invocationId) => _resultType;

    public Type GetStreamItemType(string streamId) => throw new InvalidDataException("Expected a Completion message.");
}
