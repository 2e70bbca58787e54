using System.Runtime.CompilerServices;
using System.Threading.Channels;
using SignalRLite.Tests.Infrastructure;

namespace SignalRLite.Tests.RateLimiting;

/// <summary>Lets a test hold hub methods of <see cref="LimitedHub"/> running: each entry signals, each waits for a release.</summary>
public sealed class RateLimitGate
{
    private readonly Channel<bool> _releases = Channel.CreateUnbounded<bool>();

    public Channel<string> Entered { get; } = Channel.CreateUnbounded<string>();

    /// <summary>Lets one waiting method go on: true to complete normally, false to throw.</summary>
    public void Release(bool succeed = true) => _releases.Writer.TryWrite(succeed);

    public async Task WaitAsync(string name)
    {
        Entered.Writer.TryWrite(name);
        if (!await _releases.Reader.ReadAsync().AsTask().WaitAsync(TestConnection.DefaultTimeout))
        {
            throw new InvalidOperationException("released with a failure");
        }
    }

    public async Task<string> EnteredAsync() => await Entered.Reader.ReadAsync().AsTask().WaitAsync(TestConnection.DefaultTimeout);
}

public class LimitedHub(RateLimitGate gate) : Hub
{
    public int Echo(int value) => value;

    public string Other() => "other";

    public async Task<int> Slow()
    {
        await gate.WaitAsync(nameof(Slow));
        return 1;
    }

    public async IAsyncEnumerable<int> Counter(int count, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await gate.WaitAsync(nameof(Counter));
        for (var i = 0; i < count; i++)
        {
            yield return i;
        }
    }

    [HubRateLimit("method")]
    public int Limited() => 7;
}

[HubRateLimit("hub")]
public class ClassLimitedHub : Hub
{
    public int A() => 1;

    [HubRateLimit("method")]
    public int B() => 2;
}

[HubRateLimit("missing")]
public class MisconfiguredHub : Hub
{
    public int A() => 1;
}
