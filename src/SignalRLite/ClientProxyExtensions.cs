namespace SignalRLite;

/// <summary><c>SendAsync</c> and <c>InvokeAsync</c> with the argument lists the official API has.</summary>
public static partial class ClientProxyExtensions
{
    /// <summary>Invokes a method on the clients without arguments.</summary>
    public static Task SendAsync(this IClientProxy clientProxy, string method, CancellationToken cancellationToken = default) =>
        clientProxy.SendCoreAsync(method, [], cancellationToken);
}
