using SignalRLite.Protocol;

// Shared source (see ClientResultTracker.cs).
#if SIGNALRLITE_STACKEXCHANGEREDIS
namespace SignalRLite.StackExchangeRedis.Internal;
#else
namespace SignalRLite.Internal.Hubs;
#endif

/// <summary>A client-result invocation waiting for the client's Completion (see <see cref="ClientResultTracker"/>).</summary>
internal interface IPendingClientResult
{
    string InvocationId { get; }

    string ConnectionId { get; }

    Type ResultType { get; }

    /// <summary>Completes with the client's Completion: its result converted to the expected type, or its error as a <see cref="HubException"/>.</summary>
    void Complete(CompletionMessage completion);

    void SetException(Exception exception);
}

/// <summary>
/// One client-result invocation. Only the first outcome counts (result, cancellation, disconnect or fault); disposing
/// it stops tracking it (the invoker does so once it has its outcome, or gave up).
/// </summary>
internal sealed class PendingClientResult<T> : TaskCompletionSource<T>, IPendingClientResult, IDisposable
{
    private readonly ClientResultTracker _tracker;
    private CancellationTokenRegistration _cancelled;
    private CancellationTokenRegistration _closed;

    public PendingClientResult(ClientResultTracker tracker, string invocationId, string connectionId)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        _tracker = tracker;
        InvocationId = invocationId;
        ConnectionId = connectionId;
    }

    public string InvocationId { get; }

    public string ConnectionId { get; }

    public Type ResultType => typeof(T);

    /// <summary>
    /// The outcome for the server's token, as the official server reports it (observed): a HubException; no
    /// CancelInvocation is sent to the client.
    /// </summary>
    public void CancelWhen(CancellationToken cancellationToken) =>
        _cancelled = cancellationToken.Register(static s => ((PendingClientResult<T>)s!).TrySetException(new HubException("Invocation canceled by the server.")), this);

    /// <summary>Fails with <see cref="ClientResultTracker.Disconnected"/> once <paramref name="connectionClosed"/> fires.</summary>
    public void FailWhenClosed(CancellationToken connectionClosed) =>
        _closed = connectionClosed.Register(static s => ((PendingClientResult<T>)s!).TrySetException(ClientResultTracker.Disconnected(((PendingClientResult<T>)s!).ConnectionId)), this);

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

    public void Dispose()
    {
        _cancelled.Dispose();
        _closed.Dispose();
        _tracker.Remove(this);
    }
}
