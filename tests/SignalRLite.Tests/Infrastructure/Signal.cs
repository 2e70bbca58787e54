namespace SignalRLite.Tests.Infrastructure;

/// <summary>A TaskCompletionSource that runs continuations asynchronously (never inline on the completing thread).</summary>
public sealed class Signal<T>() : TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public async Task<T> WaitAsync() => await Task.WaitAsync(TimeSpan.FromSeconds(10));
}

public sealed class Signal() : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public async Task WaitAsync() => await Task.WaitAsync(TimeSpan.FromSeconds(10));
}
