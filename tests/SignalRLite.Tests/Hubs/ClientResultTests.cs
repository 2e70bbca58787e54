using SignalRLite.Tests.Infrastructure;
using static SignalRLite.Tests.Hubs.HubTestServer;

namespace SignalRLite.Tests.Hubs;

public class ClientResultTests
{
    [Fact]
    public async Task C78_C79_C82_ClientResultRoundTripWithOverlappingIds()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        var other = await server.ConnectAsync();

        // With the default of one parallel invocation, the reader still routes the client's Completion.
        await connection.SendAsync(Invocation("c1", "AskCaller", "name?"));
        var ask = await connection.ReadNonPingAsync();
        Assert.Equal(1, ask.GetProperty("type").GetInt32());
        Assert.Equal("Ask", ask.GetProperty("target").GetString());
        var serverId = ask.GetProperty("invocationId").GetString()!;

        // The client uses the same id for one of its own invocations: no confusion between the two id spaces.
        await connection.SendAsync(Invocation(serverId, "Echo", "mine"));
        await connection.SendAsync($"{{\"type\":3,\"invocationId\":\"{serverId}\",\"result\":\"Bob\"}}\u001e");

        var results = new Dictionary<string, string?>();
        for (var i = 0; i < 2; i++)
        {
            var completion = await connection.ReadNonPingAsync();
            results[completion.GetProperty("invocationId").GetString()!] = completion.GetProperty("result").GetString();
        }

        Assert.Equal("Bob", results["c1"]);
        Assert.Equal("mine", results[serverId]);

        other.CompleteInput();
        Assert.Null(await other.ReadMessageAsync());
    }

    [Fact]
    public async Task C80_ClientErrorFailsTheAwait()
    {
        await using var server = Create<TestHub>(o => o.EnableDetailedErrors = true);
        var connection = await server.ConnectAsync();
        await connection.SendAsync(Invocation("1", "AskCaller", "q"));
        var ask = await connection.ReadNonPingAsync();
        await connection.SendAsync($"{{\"type\":3,\"invocationId\":\"{ask.GetProperty("invocationId").GetString()}\",\"error\":\"no handler\"}}\u001e");
        var completion = await connection.ReadNonPingAsync();
        Assert.Equal("An unexpected error occurred invoking 'AskCaller' on the server. HubException: no handler", completion.GetProperty("error").GetString());
    }

    [Fact]
    public async Task C81_ClosingTheConnectionFailsPendingResults()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        var id = (await server.Probe().Connected.WaitAsync());
        var pending = server.HubContext.Clients.Client(id).InvokeAsync<string>("Ask", "q", CancellationToken.None);
        Assert.Equal("Ask", (await connection.ReadNonPingAsync()).GetProperty("target").GetString());
        connection.CompleteInput();
        var error = await Assert.ThrowsAsync<IOException>(() => pending.WaitAsync(TestConnection.DefaultTimeout));
        Assert.Equal($"Connection '{id}' disconnected.", error.Message);
    }

    [Fact]
    public async Task C83_CompletionForUnknownServerIdIsIgnored()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        await connection.SendAsync("{\"type\":3,\"invocationId\":\"999\"}\u001e" + Invocation("1", "Echo", "open"));
        Assert.Equal("open", (await connection.ReadNonPingAsync()).GetProperty("result").GetString());
    }

    [Fact]
    public async Task ClientResultFromHubContextCanBeCancelled()
    {
        await using var server = Create<TestHub>();
        var connection = await server.ConnectAsync();
        var id = await server.Probe().Connected.WaitAsync();
        using var cts = new CancellationTokenSource();
        var pending = server.HubContext.Clients.Client(id).InvokeAsync<int>("Ask", "q", cts.Token);
        var ask = await connection.ReadNonPingAsync();
        cts.Cancel();
        // As the official server: a HubException, not an OperationCanceledException.
        var error = await Assert.ThrowsAsync<HubException>(() => pending);
        Assert.Equal("Invocation canceled by the server.", error.Message);
        // A late answer is ignored.
        await connection.SendAsync($"{{\"type\":3,\"invocationId\":\"{ask.GetProperty("invocationId").GetString()}\",\"result\":1}}\u001e" + Invocation("1", "Echo", "open"));
        Assert.Equal("open", (await connection.ReadNonPingAsync()).GetProperty("result").GetString());
    }
}
