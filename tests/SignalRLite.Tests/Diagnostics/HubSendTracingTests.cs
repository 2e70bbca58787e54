using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
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

    [Fact]
    public async Task HubContextSendIsAChildSpanOfTheCurrentActivityAndFailuresAreMarked()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is TestSourceName or "SignalRLite",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var source = new ActivitySource(TestSourceName);
        await using var server = await HubAppHost.StartAsync(HubHostKind.Kestrel, s => s.AddSignalRLite(), app => app.MapHub<RedisTestHub>("/hub"));
        var connection = server.CreateClient("/hub");
        var inbox = new Inbox(connection);
        await connection.StartAsync().WaitAsync(TestConnection.DefaultTimeout);
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
}
