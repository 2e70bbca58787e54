using SignalRLite.Internal.Transports;

namespace SignalRLite.Tests.Infrastructure;

internal static class ConnectionCount
{
    /// <summary>Completes when the manager holds exactly <paramref name="count"/> connections (its CountChanged event, no polling).</summary>
    public static async Task WaitForCountAsync(this HttpConnectionManager manager, int count, TimeSpan timeout)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check()
        {
            if (manager.Count == count)
            {
                reached.TrySetResult();
            }
        }

        manager.CountChanged += Check;
        try
        {
            Check(); // after subscribing: a change in between is not missed
            await reached.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Expected {count} connections, have {manager.Count} after {timeout}.");
        }
        finally
        {
            manager.CountChanged -= Check;
        }
    }
}
