using SignalRLite.Protocol;

namespace SignalRLite.Internal.Hubs;

/// <summary>A client-result invocation waiting for the client's Completion; shared by every lifetime manager.</summary>
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
        else if (completion.HasResult)
        {
            if (completion.Result is T value)
            {
                TrySetResult(value);
            }
            else if (completion.Result is null && default(T) is null)
            {
                TrySetResult(default!);
            }
            else
            {
                TrySetException(new InvalidDataException($"The client result could not be converted to '{typeof(T).Name}'."));
            }
        }
        else
        {
            TrySetResult(default!);
        }
    }

    void IPendingClientResult.SetException(Exception exception) => TrySetException(exception);

    void IPendingClientResult.SetCanceled() => TrySetException(new HubException("Invocation canceled by the server."));
}
