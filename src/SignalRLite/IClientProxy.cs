namespace SignalRLite;

/// <summary>One or many connections that can be sent a non-blocking invocation.</summary>
public interface IClientProxy
{
    /// <summary>Invokes <paramref name="method"/> on the target connections without waiting for an answer.</summary>
    Task SendCoreAsync(string method, object?[] args, CancellationToken cancellationToken = default);
}
