namespace SignalRLite;

/// <summary>Runs around hub method invocations and lifetime callbacks. Register globally or per hub on <see cref="HubOptions"/>.</summary>
public interface IHubFilter
{
    /// <summary>Wraps a hub method invocation.</summary>
    ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next) => next(invocationContext);

    /// <summary>Wraps <see cref="Hub.OnConnectedAsync"/>.</summary>
    Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next) => next(context);

    /// <summary>Wraps <see cref="Hub.OnDisconnectedAsync"/>.</summary>
    Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next) => next(context, exception);
}
