namespace SignalRLite.Tests.Infrastructure;

/// <summary>
/// The only real-time waits the tests may use, each named for why no event can be awaited instead. Everything else
/// awaits an event (a <see cref="Signal"/> set by a hook, a client callback, an <c>ObservedTimeProvider</c>
/// arming) or drives time with a FakeTimeProvider. A new call site says, in a comment, why its wait has no event.
/// </summary>
/// <remarks>
/// None of these makes a test pass by waiting long enough: <see cref="UntilAsync(Func{bool}, string, TimeSpan?)"/>
/// fails at its deadline, <see cref="NegativeWindowAsync()"/> can only hide a failure (never invent one) on a slow
/// machine, <see cref="RealTimeAsync"/> is the duration under test and <see cref="PaceAsync"/> only spaces retries
/// whose success is checked by the caller.
/// </remarks>
public static class TestWaits
{
    /// <summary>How often <see cref="UntilAsync(Func{bool}, string, TimeSpan?)"/> looks at the condition again.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>The window of <see cref="NegativeWindowAsync"/>.</summary>
    public static readonly TimeSpan NegativeWindow = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// Polls observable state that raises no event (an internal counter, a black-box server's store) until
    /// <paramref name="condition"/> holds; fails with <paramref name="failure"/> after <paramref name="timeout"/>
    /// (default <see cref="TestConnection.DefaultTimeout"/>).
    /// </summary>
    public static Task UntilAsync(Func<bool> condition, string failure, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(condition()), failure, timeout);

    /// <inheritdoc cref="UntilAsync(Func{bool}, string, TimeSpan?)"/>
    public static async Task UntilAsync(Func<Task<bool>> condition, string failure, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TestConnection.DefaultTimeout);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(PollInterval);
        }
    }

    /// <summary>
    /// A short window in which something that must NOT happen would have happened (a negative has no event): the
    /// caller asserts afterwards that it did not. A slow machine can only make the check weaker, never fail it.
    /// </summary>
    public static Task NegativeWindowAsync() => Task.Delay(NegativeWindow);

    /// <summary>
    /// <see cref="NegativeWindowAsync()"/> with a longer window, for a negative whose wrong outcome takes longer than
    /// <see cref="NegativeWindow"/> to show (the call site says why).
    /// </summary>
    public static Task NegativeWindowAsync(TimeSpan window) => Task.Delay(window);

    /// <summary>
    /// Real time that is itself the subject of the test, where the party that measures it runs on the real clock
    /// and takes no TimeProvider (an official client's server timeout, a Redis process stopped for a while).
    /// </summary>
    public static Task RealTimeAsync(TimeSpan duration) => Task.Delay(duration);

    /// <summary>
    /// Spaces out retries. Not a synchronisation: the caller checks the
    /// outcome of each attempt itself, and the length only changes how many attempts are made.
    /// </summary>
    public static Task PaceAsync(TimeSpan interval) => Task.Delay(interval);
}
