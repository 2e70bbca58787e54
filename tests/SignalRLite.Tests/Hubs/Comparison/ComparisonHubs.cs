using System.Threading.Channels;
using OfficialHub = Microsoft.AspNetCore.SignalR.Hub;

namespace SignalRLite.Tests.Hubs.Comparison;

/// <summary>The official server's hub of the comparison tests; <see cref="LiteComparisonHub"/> has the same methods.</summary>
public sealed class OfficialComparisonHub : OfficialHub
{
    public void SyncVoid()
    {
    }

    public async Task<int> JoinBothAndSendToBoth()
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, "g1");
        await Groups.AddToGroupAsync(Context.ConnectionId, "g2");
        await Microsoft.AspNetCore.SignalR.ClientProxyExtensions.SendAsync(
            Microsoft.AspNetCore.SignalR.HubClientsExtensions.Groups(Clients, "g1", "g2"), "Got", "both");
        return 42;
    }

    public async IAsyncEnumerable<int> OneThenWait([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return 1;
        // Waits for the cancellation (CancelInvocation or the end of the connection); never yields again.
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    public ChannelReader<int> OneThenWaitChannel(CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<int>();
        channel.Writer.TryWrite(1);
        cancellationToken.Register(() => channel.Writer.TryComplete());
        return channel.Reader;
    }

    public async IAsyncEnumerable<int> EchoUpload(ChannelReader<int> source, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await source.WaitToReadAsync(cancellationToken))
        {
            while (source.TryRead(out var item))
            {
                yield return item;
            }
        }
    }

    public async IAsyncEnumerable<int> Endless()
    {
        // Never looks at a cancellation token: only the server can stop sending its items.
        for (var i = 1; ; i++)
        {
            yield return i;
            await Task.Yield();
        }
    }

    public async IAsyncEnumerable<int> FirstTwo(ChannelReader<int> source)
    {
        for (var i = 0; i < 2; i++)
        {
            yield return await source.ReadAsync();
        }
    }

    public Task TaskVoid() => Task.CompletedTask;

    public ValueTask ValueTaskVoid() => default;

    public async Task AsyncVoid() => await Task.Yield();

    public int Value() => 42;

    public int AbortSync()
    {
        Context.Abort();
        return 1;
    }

    public async Task<int> AbortThenSend()
    {
        Context.Abort();
        await Microsoft.AspNetCore.SignalR.ClientProxyExtensions.SendAsync(Clients.Caller, "AfterAbort", 1);
        return 1;
    }

    public int AbortThenThrow()
    {
        Context.Abort();
        throw new InvalidOperationException("after abort");
    }

    public Task<int> Sum(ChannelReader<int> source) => ComparisonHubMethods.SumAsync(source);

    public Task<string> SumOrError(ChannelReader<int> source) => ComparisonHubMethods.SumOrErrorAsync(source);

    public Task<string> CountOrError(IAsyncEnumerable<int> source) => ComparisonHubMethods.CountOrErrorAsync(source);

    public async Task<int> Two(ChannelReader<int> first, ChannelReader<int> second) =>
        await ComparisonHubMethods.SumAsync(first) + await ComparisonHubMethods.SumAsync(second);
}

/// <summary>An official hub whose <c>OnConnectedAsync</c> throws.</summary>
public sealed class OfficialFailingConnectHub : OfficialHub
{
    public override Task OnConnectedAsync() => throw new InvalidOperationException("no entry");
}

/// <summary>The SignalRLite twin of <see cref="OfficialFailingConnectHub"/>.</summary>
public sealed class LiteFailingConnectHub : Hub
{
    public override Task OnConnectedAsync() => throw new InvalidOperationException("no entry");
}

/// <summary>The SignalRLite twin of <see cref="OfficialComparisonHub"/>.</summary>
public sealed class LiteComparisonHub : Hub
{
    public void SyncVoid()
    {
    }

    public async Task<int> JoinBothAndSendToBoth()
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, "g1");
        await Groups.AddToGroupAsync(Context.ConnectionId, "g2");
        await Clients.Groups("g1", "g2").SendAsync("Got", "both");
        return 42;
    }

    public async IAsyncEnumerable<int> OneThenWait([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return 1;
        // Waits for the cancellation (CancelInvocation or the end of the connection); never yields again.
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    public ChannelReader<int> OneThenWaitChannel(CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<int>();
        channel.Writer.TryWrite(1);
        cancellationToken.Register(() => channel.Writer.TryComplete());
        return channel.Reader;
    }

    public async IAsyncEnumerable<int> EchoUpload(ChannelReader<int> source, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await source.WaitToReadAsync(cancellationToken))
        {
            while (source.TryRead(out var item))
            {
                yield return item;
            }
        }
    }

    public async IAsyncEnumerable<int> Endless()
    {
        // Never looks at a cancellation token: only the server can stop sending its items.
        for (var i = 1; ; i++)
        {
            yield return i;
            await Task.Yield();
        }
    }

    public async IAsyncEnumerable<int> FirstTwo(ChannelReader<int> source)
    {
        for (var i = 0; i < 2; i++)
        {
            yield return await source.ReadAsync();
        }
    }

    public Task TaskVoid() => Task.CompletedTask;

    public ValueTask ValueTaskVoid() => default;

    public async Task AsyncVoid() => await Task.Yield();

    public int Value() => 42;

    public int AbortSync()
    {
        Context.Abort();
        return 1;
    }

    public async Task<int> AbortThenSend()
    {
        Context.Abort();
        await Clients.Caller.SendAsync("AfterAbort", 1);
        return 1;
    }

    public int AbortThenThrow()
    {
        Context.Abort();
        throw new InvalidOperationException("after abort");
    }

    public Task<int> Sum(ChannelReader<int> source) => ComparisonHubMethods.SumAsync(source);

    public Task<string> SumOrError(ChannelReader<int> source) => ComparisonHubMethods.SumOrErrorAsync(source);

    public Task<string> CountOrError(IAsyncEnumerable<int> source) => ComparisonHubMethods.CountOrErrorAsync(source);

    public async Task<int> Two(ChannelReader<int> first, ChannelReader<int> second) =>
        await ComparisonHubMethods.SumAsync(first) + await ComparisonHubMethods.SumAsync(second);
}

internal static class ComparisonHubMethods
{
    public static async Task<int> SumAsync(ChannelReader<int> source)
    {
        var sum = 0;
        await foreach (var item in source.ReadAllAsync())
        {
            sum += item;
        }

        return sum;
    }

    /// <summary>What the method sees of its upload stream: the sum, or the exception that ended it.</summary>
    public static async Task<string> SumOrErrorAsync(ChannelReader<int> source)
    {
        var sum = 0;
        try
        {
            await foreach (var item in source.ReadAllAsync())
            {
                sum += item;
            }

            return "sum " + sum;
        }
        catch (Exception ex)
        {
            return $"after {sum}: {ex.GetType().Name}: {ex.Message}";
        }
    }

    public static async Task<string> CountOrErrorAsync(IAsyncEnumerable<int> source)
    {
        var count = 0;
        try
        {
            await foreach (var item in source)
            {
                count++;
            }

            return "count " + count;
        }
        catch (Exception ex)
        {
            return $"after {count}: {ex.GetType().Name}: {ex.Message}";
        }
    }
}
