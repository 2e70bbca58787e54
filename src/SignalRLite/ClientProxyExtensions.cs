namespace SignalRLite;

/// <summary><c>SendAsync</c> and <c>InvokeAsync</c> with the argument lists the official API has.</summary>
public static partial class ClientProxyExtensions
{
    /// <summary>Invokes <paramref name="method"/> on the connections of <paramref name="clientProxy"/> with 0 argument(s), without waiting for an answer.</summary>
    /// <param name="clientProxy">The connections.</param>
    /// <param name="method">The client method name.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    public static Task SendAsync(this IClientProxy clientProxy, string method, CancellationToken cancellationToken = default) =>
        clientProxy.SendCoreAsync(method, [], cancellationToken);

    /// <summary>Invokes <paramref name="method"/> on the connections of <paramref name="clientProxy"/> with 1 argument(s), without waiting for an answer.</summary>
    /// <param name="clientProxy">The connections.</param>
    /// <param name="method">The client method name.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    public static Task SendAsync(this IClientProxy clientProxy, string method, object? arg1, CancellationToken cancellationToken = default) =>
        clientProxy.SendCoreAsync(method, [arg1], cancellationToken);

    /// <summary>Invokes <paramref name="method"/> on the connections of <paramref name="clientProxy"/> with 2 argument(s), without waiting for an answer.</summary>
    /// <param name="clientProxy">The connections.</param>
    /// <param name="method">The client method name.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    public static Task SendAsync(this IClientProxy clientProxy, string method, object? arg1, object? arg2, CancellationToken cancellationToken = default) =>
        clientProxy.SendCoreAsync(method, [arg1, arg2], cancellationToken);

    /// <summary>Invokes <paramref name="method"/> on the connections of <paramref name="clientProxy"/> with 3 argument(s), without waiting for an answer.</summary>
    /// <param name="clientProxy">The connections.</param>
    /// <param name="method">The client method name.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    public static Task SendAsync(this IClientProxy clientProxy, string method, object? arg1, object? arg2, object? arg3, CancellationToken cancellationToken = default) =>
        clientProxy.SendCoreAsync(method, [arg1, arg2, arg3], cancellationToken);

    /// <summary>Invokes <paramref name="method"/> on the connections of <paramref name="clientProxy"/> with 4 argument(s), without waiting for an answer.</summary>
    /// <param name="clientProxy">The connections.</param>
    /// <param name="method">The client method name.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="arg4">The fourth argument.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    public static Task SendAsync(this IClientProxy clientProxy, string method, object? arg1, object? arg2, object? arg3, object? arg4, CancellationToken cancellationToken = default) =>
        clientProxy.SendCoreAsync(method, [arg1, arg2, arg3, arg4], cancellationToken);

    /// <summary>Invokes <paramref name="method"/> on the connections of <paramref name="clientProxy"/> with 5 argument(s), without waiting for an answer.</summary>
    /// <param name="clientProxy">The connections.</param>
    /// <param name="method">The client method name.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="arg4">The fourth argument.</param>
    /// <param name="arg5">The fifth argument.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    public static Task SendAsync(this IClientProxy clientProxy, string method, object? arg1, object? arg2, object? arg3, object? arg4, object? arg5, CancellationToken cancellationToken = default) =>
        clientProxy.SendCoreAsync(method, [arg1, arg2, arg3, arg4, arg5], cancellationToken);

    /// <summary>Invokes <paramref name="method"/> on the connections of <paramref name="clientProxy"/> with 6 argument(s), without waiting for an answer.</summary>
    /// <param name="clientProxy">The connections.</param>
    /// <param name="method">The client method name.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="arg4">The fourth argument.</param>
    /// <param name="arg5">The fifth argument.</param>
    /// <param name="arg6">The sixth argument.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    public static Task SendAsync(this IClientProxy clientProxy, string method, object? arg1, object? arg2, object? arg3, object? arg4, object? arg5, object? arg6, CancellationToken cancellationToken = default) =>
        clientProxy.SendCoreAsync(method, [arg1, arg2, arg3, arg4, arg5, arg6], cancellationToken);

    /// <summary>Invokes <paramref name="method"/> on the connections of <paramref name="clientProxy"/> with 7 argument(s), without waiting for an answer.</summary>
    /// <param name="clientProxy">The connections.</param>
    /// <param name="method">The client method name.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="arg4">The fourth argument.</param>
    /// <param name="arg5">The fifth argument.</param>
    /// <param name="arg6">The sixth argument.</param>
    /// <param name="arg7">The seventh argument.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    public static Task SendAsync(this IClientProxy clientProxy, string method, object? arg1, object? arg2, object? arg3, object? arg4, object? arg5, object? arg6, object? arg7, CancellationToken cancellationToken = default) =>
        clientProxy.SendCoreAsync(method, [arg1, arg2, arg3, arg4, arg5, arg6, arg7], cancellationToken);

    /// <summary>Invokes <paramref name="method"/> on the connections of <paramref name="clientProxy"/> with 8 argument(s), without waiting for an answer.</summary>
    /// <param name="clientProxy">The connections.</param>
    /// <param name="method">The client method name.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="arg4">The fourth argument.</param>
    /// <param name="arg5">The fifth argument.</param>
    /// <param name="arg6">The sixth argument.</param>
    /// <param name="arg7">The seventh argument.</param>
    /// <param name="arg8">The eighth argument.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    public static Task SendAsync(this IClientProxy clientProxy, string method, object? arg1, object? arg2, object? arg3, object? arg4, object? arg5, object? arg6, object? arg7, object? arg8, CancellationToken cancellationToken = default) =>
        clientProxy.SendCoreAsync(method, [arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8], cancellationToken);

    /// <summary>Invokes <paramref name="method"/> on the connections of <paramref name="clientProxy"/> with 9 argument(s), without waiting for an answer.</summary>
    /// <param name="clientProxy">The connections.</param>
    /// <param name="method">The client method name.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="arg4">The fourth argument.</param>
    /// <param name="arg5">The fifth argument.</param>
    /// <param name="arg6">The sixth argument.</param>
    /// <param name="arg7">The seventh argument.</param>
    /// <param name="arg8">The eighth argument.</param>
    /// <param name="arg9">The ninth argument.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    public static Task SendAsync(this IClientProxy clientProxy, string method, object? arg1, object? arg2, object? arg3, object? arg4, object? arg5, object? arg6, object? arg7, object? arg8, object? arg9, CancellationToken cancellationToken = default) =>
        clientProxy.SendCoreAsync(method, [arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9], cancellationToken);

    /// <summary>Invokes <paramref name="method"/> on the connections of <paramref name="clientProxy"/> with 10 argument(s), without waiting for an answer.</summary>
    /// <param name="clientProxy">The connections.</param>
    /// <param name="method">The client method name.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="arg4">The fourth argument.</param>
    /// <param name="arg5">The fifth argument.</param>
    /// <param name="arg6">The sixth argument.</param>
    /// <param name="arg7">The seventh argument.</param>
    /// <param name="arg8">The eighth argument.</param>
    /// <param name="arg9">The ninth argument.</param>
    /// <param name="arg10">The tenth argument.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    public static Task SendAsync(this IClientProxy clientProxy, string method, object? arg1, object? arg2, object? arg3, object? arg4, object? arg5, object? arg6, object? arg7, object? arg8, object? arg9, object? arg10, CancellationToken cancellationToken = default) =>
        clientProxy.SendCoreAsync(method, [arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9, arg10], cancellationToken);

    /// <summary>Invokes <paramref name="method"/> on one connection with 0 argument(s) and waits for its result (client results).</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="clientProxy">The connection.</param>
    /// <param name="method">The client method name.</param>
    /// <param name="cancellationToken">Stops waiting; set a limit, a client may never answer.</param>
    public static Task<T> InvokeAsync<T>(this ISingleClientProxy clientProxy, string method, CancellationToken cancellationToken) =>
        clientProxy.InvokeCoreAsync<T>(method, [], cancellationToken);

    /// <summary>Invokes <paramref name="method"/> on one connection with 1 argument(s) and waits for its result (client results).</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="clientProxy">The connection.</param>
    /// <param name="method">The client method name.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="cancellationToken">Stops waiting; set a limit, a client may never answer.</param>
    public static Task<T> InvokeAsync<T>(this ISingleClientProxy clientProxy, string method, object? arg1, CancellationToken cancellationToken) =>
        clientProxy.InvokeCoreAsync<T>(method, [arg1], cancellationToken);

    /// <summary>Invokes <paramref name="method"/> on one connection with 2 argument(s) and waits for its result (client results).</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="clientProxy">The connection.</param>
    /// <param name="method">The client method name.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="cancellationToken">Stops waiting; set a limit, a client may never answer.</param>
    public static Task<T> InvokeAsync<T>(this ISingleClientProxy clientProxy, string method, object? arg1, object? arg2, CancellationToken cancellationToken) =>
        clientProxy.InvokeCoreAsync<T>(method, [arg1, arg2], cancellationToken);

    /// <summary>Invokes <paramref name="method"/> on one connection with 3 argument(s) and waits for its result (client results).</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="clientProxy">The connection.</param>
    /// <param name="method">The client method name.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="cancellationToken">Stops waiting; set a limit, a client may never answer.</param>
    public static Task<T> InvokeAsync<T>(this ISingleClientProxy clientProxy, string method, object? arg1, object? arg2, object? arg3, CancellationToken cancellationToken) =>
        clientProxy.InvokeCoreAsync<T>(method, [arg1, arg2, arg3], cancellationToken);

    /// <summary>Invokes <paramref name="method"/> on one connection with 4 argument(s) and waits for its result (client results).</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="clientProxy">The connection.</param>
    /// <param name="method">The client method name.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="arg4">The fourth argument.</param>
    /// <param name="cancellationToken">Stops waiting; set a limit, a client may never answer.</param>
    public static Task<T> InvokeAsync<T>(this ISingleClientProxy clientProxy, string method, object? arg1, object? arg2, object? arg3, object? arg4, CancellationToken cancellationToken) =>
        clientProxy.InvokeCoreAsync<T>(method, [arg1, arg2, arg3, arg4], cancellationToken);

    /// <summary>Invokes <paramref name="method"/> on one connection with 5 argument(s) and waits for its result (client results).</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="clientProxy">The connection.</param>
    /// <param name="method">The client method name.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="arg4">The fourth argument.</param>
    /// <param name="arg5">The fifth argument.</param>
    /// <param name="cancellationToken">Stops waiting; set a limit, a client may never answer.</param>
    public static Task<T> InvokeAsync<T>(this ISingleClientProxy clientProxy, string method, object? arg1, object? arg2, object? arg3, object? arg4, object? arg5, CancellationToken cancellationToken) =>
        clientProxy.InvokeCoreAsync<T>(method, [arg1, arg2, arg3, arg4, arg5], cancellationToken);

    /// <summary>Invokes <paramref name="method"/> on one connection with 6 argument(s) and waits for its result (client results).</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="clientProxy">The connection.</param>
    /// <param name="method">The client method name.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="arg4">The fourth argument.</param>
    /// <param name="arg5">The fifth argument.</param>
    /// <param name="arg6">The sixth argument.</param>
    /// <param name="cancellationToken">Stops waiting; set a limit, a client may never answer.</param>
    public static Task<T> InvokeAsync<T>(this ISingleClientProxy clientProxy, string method, object? arg1, object? arg2, object? arg3, object? arg4, object? arg5, object? arg6, CancellationToken cancellationToken) =>
        clientProxy.InvokeCoreAsync<T>(method, [arg1, arg2, arg3, arg4, arg5, arg6], cancellationToken);

    /// <summary>Invokes <paramref name="method"/> on one connection with 7 argument(s) and waits for its result (client results).</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="clientProxy">The connection.</param>
    /// <param name="method">The client method name.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="arg4">The fourth argument.</param>
    /// <param name="arg5">The fifth argument.</param>
    /// <param name="arg6">The sixth argument.</param>
    /// <param name="arg7">The seventh argument.</param>
    /// <param name="cancellationToken">Stops waiting; set a limit, a client may never answer.</param>
    public static Task<T> InvokeAsync<T>(this ISingleClientProxy clientProxy, string method, object? arg1, object? arg2, object? arg3, object? arg4, object? arg5, object? arg6, object? arg7, CancellationToken cancellationToken) =>
        clientProxy.InvokeCoreAsync<T>(method, [arg1, arg2, arg3, arg4, arg5, arg6, arg7], cancellationToken);

    /// <summary>Invokes <paramref name="method"/> on one connection with 8 argument(s) and waits for its result (client results).</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="clientProxy">The connection.</param>
    /// <param name="method">The client method name.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="arg4">The fourth argument.</param>
    /// <param name="arg5">The fifth argument.</param>
    /// <param name="arg6">The sixth argument.</param>
    /// <param name="arg7">The seventh argument.</param>
    /// <param name="arg8">The eighth argument.</param>
    /// <param name="cancellationToken">Stops waiting; set a limit, a client may never answer.</param>
    public static Task<T> InvokeAsync<T>(this ISingleClientProxy clientProxy, string method, object? arg1, object? arg2, object? arg3, object? arg4, object? arg5, object? arg6, object? arg7, object? arg8, CancellationToken cancellationToken) =>
        clientProxy.InvokeCoreAsync<T>(method, [arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8], cancellationToken);

    /// <summary>Invokes <paramref name="method"/> on one connection with 9 argument(s) and waits for its result (client results).</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="clientProxy">The connection.</param>
    /// <param name="method">The client method name.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="arg4">The fourth argument.</param>
    /// <param name="arg5">The fifth argument.</param>
    /// <param name="arg6">The sixth argument.</param>
    /// <param name="arg7">The seventh argument.</param>
    /// <param name="arg8">The eighth argument.</param>
    /// <param name="arg9">The ninth argument.</param>
    /// <param name="cancellationToken">Stops waiting; set a limit, a client may never answer.</param>
    public static Task<T> InvokeAsync<T>(this ISingleClientProxy clientProxy, string method, object? arg1, object? arg2, object? arg3, object? arg4, object? arg5, object? arg6, object? arg7, object? arg8, object? arg9, CancellationToken cancellationToken) =>
        clientProxy.InvokeCoreAsync<T>(method, [arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9], cancellationToken);

    /// <summary>Invokes <paramref name="method"/> on one connection with 10 argument(s) and waits for its result (client results).</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="clientProxy">The connection.</param>
    /// <param name="method">The client method name.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <param name="arg3">The third argument.</param>
    /// <param name="arg4">The fourth argument.</param>
    /// <param name="arg5">The fifth argument.</param>
    /// <param name="arg6">The sixth argument.</param>
    /// <param name="arg7">The seventh argument.</param>
    /// <param name="arg8">The eighth argument.</param>
    /// <param name="arg9">The ninth argument.</param>
    /// <param name="arg10">The tenth argument.</param>
    /// <param name="cancellationToken">Stops waiting; set a limit, a client may never answer.</param>
    public static Task<T> InvokeAsync<T>(this ISingleClientProxy clientProxy, string method, object? arg1, object? arg2, object? arg3, object? arg4, object? arg5, object? arg6, object? arg7, object? arg8, object? arg9, object? arg10, CancellationToken cancellationToken) =>
        clientProxy.InvokeCoreAsync<T>(method, [arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9, arg10], cancellationToken);
}
