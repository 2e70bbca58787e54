using Microsoft.AspNetCore.SignalR.Client;
using ClientTransport = Microsoft.AspNetCore.Http.Connections.HttpTransportType;

namespace SignalRLite.Client11.Tests;

/// <summary>
/// <c>Context.User</c> under refreshes racing concurrent invocations, and the 11.0 client's CancelInvocation for plain
/// (non-streaming) invocations.
/// </summary>
[Trait("Category", "Integration")]
public class ConcurrencyAndCancellationTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(ClientTransport.WebSockets)]
    [InlineData(ClientTransport.LongPolling)]
    public async Task ContextUserChangesAtomicallyUnderConcurrentInvocations(ClientTransport transport)
    {
        await using var server = await RefreshServer.StartAsync(maxParallel: 8);
        var version = 0;
        await using var client = server.CreateClient(transport, () => JwtBearerSetup.CreateToken("alice", TimeSpan.FromMinutes(5), Volatile.Read(ref version)));
        await client.StartAsync().WaitAsync(Wait);

        var calls = new List<(string Key, int AtLeast, Task<string> Result)>();
        for (var round = 1; round <= 8; round++)
        {
            // Invocations racing the refresh to version `round`.
            for (var i = 0; i < 6; i++)
            {
                var key = $"{round}-{i}";
                calls.Add((key, round - 1, client.InvokeAsync<string>("ReadTwice", key)));
            }

            Volatile.Write(ref version, round);
            await client.RefreshAuthenticationAsync().WaitAsync(Wait);

            // Invoked after the refresh answered: must see the new user (or a later one).
            var after = $"{round}-after";
            calls.Add((after, round, client.InvokeAsync<string>("ReadTwice", after)));
        }

        foreach (var (key, atLeast, result) in calls)
        {
            var parts = (await result.WaitAsync(Wait)).Split('/');
            // One principal per invocation: its authorization, its start and its end saw the same version.
            Assert.Equal(parts[0], parts[1]);
            Assert.Equal(server.Log.AuthorizedVersion[key], parts[0]);
            Assert.True(int.Parse(parts[0]) >= atLeast, $"{key} saw version {parts[0]}, expected at least {atLeast}");
        }
    }

    [Theory]
    [InlineData(ClientTransport.WebSockets)]
    [InlineData(ClientTransport.ServerSentEvents)]
    [InlineData(ClientTransport.LongPolling)]
    public async Task CancellingAPlainInvocationCancelsTheHubMethodsTokenWithinOneRoundTrip(ClientTransport transport)
    {
        // Two slots: the waiting method holds one, the probe runs in the other.
        await using var server = await RefreshServer.StartAsync(maxParallel: 2);
        await using var client = server.CreateClient(transport, () => JwtBearerSetup.CreateToken("alice", TimeSpan.FromMinutes(5)), path: "/hubs/plain");
        await client.StartAsync().WaitAsync(Wait);

        using var cts = new CancellationTokenSource();
        var call = client.InvokeAsync<string>("WaitForCancel", "w", cts.Token);
        await server.Log.StartedFor("w").Task.WaitAsync(Wait);
        Assert.False(await client.InvokeAsync<bool>("IsCancelled", "w").WaitAsync(Wait));

        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Wait));
        // The 11.0 client sent CancelInvocation before the next invocation; the server handled it before answering
        // that one: the method's token is cancelled by the time the next round trip ends.
        Assert.True(await client.InvokeAsync<bool>("IsCancelled", "w").WaitAsync(Wait));
        await server.Log.CancelledFor("w").Task.WaitAsync(Wait);
    }

    [Fact]
    public async Task CancellingAPlainInvocationEndsTheClientResultWaitItIsIn()
    {
        await using var server = await RefreshServer.StartAsync(maxParallel: 2);
        await using var client = server.CreateClient(ClientTransport.WebSockets, () => JwtBearerSetup.CreateToken("alice", TimeSpan.FromMinutes(5)), path: "/hubs/plain");
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.On("Never", () =>
        {
            asked.TrySetResult();
            return never.Task;
        });
        await client.StartAsync().WaitAsync(Wait);

        using var cts = new CancellationTokenSource();
        var call = client.InvokeAsync<string>("AskClient", "c", cts.Token);
        await asked.Task.WaitAsync(Wait);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Wait));
        // The server stopped waiting for the client's result.
        await server.Log.CancelledFor("c").Task.WaitAsync(Wait);
        never.TrySetResult("late");
        Assert.Equal("alice", await client.InvokeAsync<string>("Name").WaitAsync(Wait));
    }
}
