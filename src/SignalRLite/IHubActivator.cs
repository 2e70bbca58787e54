namespace SignalRLite;

/// <summary>
/// Creates and releases hub instances. One hub instance serves one call (an invocation, OnConnectedAsync or
/// OnDisconnectedAsync) and is released when it ends. Replace it in DI to control how hubs are built, for example
/// <c>services.AddScoped(typeof(IHubActivator&lt;&gt;), typeof(MyActivator&lt;&gt;))</c>; it is resolved from the
/// call's service scope.
/// </summary>
public interface IHubActivator<THub> where THub : Hub
{
    /// <summary>Creates a hub for one call.</summary>
    THub Create();

    /// <summary>Releases a hub created by <see cref="Create"/> when its call ended.</summary>
    void Release(THub hub);
}
