namespace SignalRLite;

/// <summary>A single connection, which can also be asked for a result (client results).</summary>
public interface ISingleClientProxy : IClientProxy
{
    /// <summary>Invokes <paramref name="method"/> on the connection and waits for its result.</summary>
    Task<T> InvokeCoreAsync<T>(string method, object?[] args, CancellationToken cancellationToken);
}
