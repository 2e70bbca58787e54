using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Infrastructure;
using SignalRLite.Tests.Interop;
using SignalRLite.Tests.Redis;

namespace SignalRLite.Tests.Diagnostics;

/// <summary>The <c>SignalRLite.Send</c> span of a server-initiated send through <c>IHubContext</c> on the in-memory lifetime manager.</summary>
[Trait("Category", "Integration")]
public sealed class HubSendTracingTests
{
    private const string TestSourceName = "SignalRLite.Tests.HubSend";

    /// <summary>Records every activity of the test's source and of <c>SignalRLite</c> that stops.</summary>
    private static ActivityListener Listen(ConcurrentQueue<Activity> stopped)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is TestSourceName or "SignalRLite",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    [Fact]
    public async Task HubContextSendIsAChildSpanOfTheCurrentActivityAndFailuresAreMarked()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = Listen(stopped);
        using var source = new ActivitySource(TestSourceName);
        await using var server = await HubAppHost.StartAsync(HubHostKind.Kestrel, s => s.AddSignalRLite(), app => app.MapHub<RedisTestHub>("/hub"));
        var connection = server.CreateClient("/hub");
        var inbox = new Inbox(connection);
        await connection.StartAsync().WaitAsync(TestConnection.DefaultTimeout);
        await server.WaitUntilRegisteredAsync("/hub", connection);
        var hubContext = server.Services.GetRequiredService<IHubContext<RedisTestHub>>();

        Activity? root;
        using (root = source.StartActivity("background work"))
        {
            Assert.NotNull(root);
            await hubContext.Clients.All.SendAsync("Receive", "all", "tick").WaitAsync(TestConnection.DefaultTimeout);
            await Assert.ThrowsAsync<ArgumentNullException>(() => hubContext.Clients.Group(null!).SendAsync("Receive", "group", "never"));
            Assert.Same(root, Activity.Current);
        }

        Assert.Equal(("all", "tick"), await inbox.NextAsync());
        var sends = stopped.Where(a => a.TraceId == root.TraceId && a.OperationName == "SignalRLite.Send").ToList();
        Assert.Equal(2, sends.Count);
        Assert.All(sends, a => Assert.Equal(root.SpanId, a.ParentSpanId));
        Assert.All(sends, a => Assert.Equal(ActivityKind.Internal, a.Kind));

        var all = Assert.Single(sends, a => a.DisplayName == "send all");
        Assert.Equal("all", all.GetTagItem("signalrlite.target"));
        Assert.Equal(nameof(RedisTestHub), all.GetTagItem("signalr.hub"));
        Assert.Equal("Receive", all.GetTagItem("signalrlite.client_method"));
        Assert.Equal(ActivityStatusCode.Unset, all.Status);

        var failed = Assert.Single(sends, a => a.DisplayName == "send group");
        Assert.Equal(ActivityStatusCode.Error, failed.Status);
        Assert.Equal(typeof(ArgumentNullException).FullName, failed.GetTagItem("error.type"));
    }

    [Fact]
    public async Task SingleConnectionSendsAndClientResultInvocationsHaveSendSpans()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = Listen(stopped);
        using var source = new ActivitySource(TestSourceName);
        await using var server = await HubAppHost.StartAsync(HubHostKind.Kestrel, s => s.AddSignalRLite(), app => app.MapHub<SingleTargetHub>("/hub"));
        var connection = server.CreateClient("/hub");
        var inbox = new Inbox(connection);
        connection.On<int, int>("Compute", x => x * 2);
        await connection.StartAsync().WaitAsync(TestConnection.DefaultTimeout);
        await server.WaitUntilRegisteredAsync("/hub", connection);
        var id = connection.ConnectionId!;
        var hubContext = server.Services.GetRequiredService<IHubContext<SingleTargetHub>>();

        Activity? root;
        using (root = source.StartActivity("background work"))
        {
            Assert.NotNull(root);
            await hubContext.Clients.Client(id).SendAsync("Receive", "client", "1").WaitAsync(TestConnection.DefaultTimeout);
            await hubContext.Clients.Clients([id]).SendAsync("Receive", "clients", "2").WaitAsync(TestConnection.DefaultTimeout);
            Assert.Equal(42, await hubContext.Clients.Client(id).InvokeAsync<int>("Compute", 21, CancellationToken.None).WaitAsync(TestConnection.DefaultTimeout));
            // The client has no handler for this one: it answers with an error, which fails the span.
            await Assert.ThrowsAnyAsync<Exception>(() => hubContext.Clients.Client(id).InvokeAsync<int>("Unhandled", 1, CancellationToken.None).WaitAsync(TestConnection.DefaultTimeout));
            Assert.Same(root, Activity.Current);
        }

        // Caller, from inside a hub method.
        await connection.InvokeAsync("ToCaller", "3").WaitAsync(TestConnection.DefaultTimeout);
        Assert.Equal(("client", "1"), await inbox.NextAsync());
        Assert.Equal(("clients", "2"), await inbox.NextAsync());
        Assert.Equal(("caller", "3"), await inbox.NextAsync());

        var sends = stopped.Where(a => a.TraceId == root.TraceId && a.OperationName == "SignalRLite.Send").ToList();
        Assert.Equal(["send connection", "send connections", "invoke connection", "invoke connection"], sends.Select(a => a.DisplayName));
        Assert.All(sends, a => Assert.Equal(root.SpanId, a.ParentSpanId));
        Assert.All(sends, a => Assert.Equal(ActivityKind.Internal, a.Kind));
        Assert.All(sends, a => Assert.Equal(nameof(SingleTargetHub), a.GetTagItem("signalr.hub")));
        Assert.Equal(["connection", "connections", "connection", "connection"], sends.Select(a => a.GetTagItem("signalrlite.target")));
        Assert.Equal(["Receive", "Receive", "Compute", "Unhandled"], sends.Select(a => a.GetTagItem("signalrlite.client_method")));
        Assert.Equal([null, null, (object)true, true], sends.Select(a => a.GetTagItem("signalrlite.client_result")));
        Assert.Equal([ActivityStatusCode.Unset, ActivityStatusCode.Unset, ActivityStatusCode.Unset, ActivityStatusCode.Error], sends.Select(a => a.Status));
        Assert.NotNull(sends[3].GetTagItem("error.type"));

        // The listener is process-wide: other tests' sends are told apart by this test's own hub.
        var caller = Assert.Single(stopped, a => a.OperationName == "SignalRLite.Send" && a.TraceId != root.TraceId && Equals(a.GetTagItem("signalr.hub"), nameof(SingleTargetHub)));
        Assert.Equal("send connection", caller.DisplayName);
        Assert.Equal("Receive", caller.GetTagItem("signalrlite.client_method"));
    }

    public sealed class SingleTargetHub : Hub
    {
        public Task ToCaller(string m) => Clients.Caller.SendAsync("Receive", "caller", m);
    }
}
