using System.Diagnostics;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace SignalRLite.Tests.Diagnostics;

/// <summary>
/// The official server and SignalRLite, side by side, with the official .NET client (which propagates its trace context
/// in invocation headers): the activities of <c>Microsoft.AspNetCore.SignalR.Server</c> must be the same (operation and
/// display names, kind, status, tags, and whose child each is). The hub's namespace differs between the two servers and
/// is normalised away.
/// </summary>
[Collection(DiagnosticsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class OfficialTracingComparisonTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<HttpTransportType> Transports => [HttpTransportType.WebSockets, HttpTransportType.ServerSentEvents, HttpTransportType.LongPolling];

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Invocations_and_lifetime_events_have_the_same_activities(HttpTransportType transport)
    {
        var (official, lite) = (await RunAsync("official"), await RunAsync("lite"));
        output.WriteLine("official:\n" + string.Join("\n", official) + "\nlite:\n" + string.Join("\n", lite));
        Assert.Equal(string.Join("\n", official), string.Join("\n", lite));
        Assert.Contains(official, a => a.Contains("InvocationIn", StringComparison.Ordinal) && a.Contains("parent=client", StringComparison.Ordinal));

        async Task<string[]> RunAsync(string which)
        {
            await using var server = await DiagnosticsServer.StartAsync(which);
            var client = server.CreateClient(transport);
            await client.StartAsync();
            Assert.Equal("hi", await client.InvokeAsync<string>("Echo", "hi"));
            await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => client.InvokeAsync("Throw"));
            await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => client.InvokeAsync("Fail"));
            await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => client.InvokeAsync("Missing"));
            await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => client.InvokeAsync("Echo", 1, 2));
            var items = new List<int>();
            await foreach (var item in client.StreamAsync<int>("Count", 3))
            {
                items.Add(item);
            }

            Assert.Equal([1, 2, 3], items);
            await client.SendAsync("Echo", "fire and forget");
            await client.DisposeAsync();
            // Echo, Throw, Fail, Count, the send, OnConnected and OnDisconnected.
            await server.Recorder.WaitForAsync(r => r.Activities.Count >= 7, TimeSpan.FromSeconds(20));
            await server.WaitForEndedConnectionsAsync(1);
            return Normalise(server.Recorder);
        }
    }

    [Fact]
    public async Task Without_a_client_trace_context_an_invocation_has_no_parent()
    {
        var (official, lite) = (await RunAsync("official"), await RunAsync("lite"));
        output.WriteLine("official:\n" + string.Join("\n", official) + "\nlite:\n" + string.Join("\n", lite));
        Assert.Equal(string.Join("\n", official), string.Join("\n", lite));

        static async Task<string[]> RunAsync(string which)
        {
            await using var server = await DiagnosticsServer.StartAsync(which);
            // A raw client: its invocation carries no headers.
            using var socket = new System.Net.WebSockets.ClientWebSocket();
            await socket.ConnectAsync(new Uri($"ws://{server.BaseAddress.Authority}/diag"), CancellationToken.None);
            await SendAsync(socket, "{\"protocol\":\"json\",\"version\":1}\u001e");
            await SendAsync(socket, "{\"type\":1,\"invocationId\":\"1\",\"target\":\"Echo\",\"arguments\":[\"x\"]}\u001e");
            await server.Recorder.WaitForAsync(r => r.Activities.Any(a => a.OperationName.EndsWith("InvocationIn", StringComparison.Ordinal)), TimeSpan.FromSeconds(20));
            await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            await server.Recorder.WaitForAsync(r => r.Activities.Count >= 3, TimeSpan.FromSeconds(20));
            return Normalise(server.Recorder);
        }

        static Task SendAsync(System.Net.WebSockets.ClientWebSocket socket, string text) =>
            socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(text), System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
    }

    private static string[] Normalise(DiagnosticsRecorder recorder) =>
        [.. recorder.Activities.Select(a => Describe(a, recorder)).Order(StringComparer.Ordinal)];

    private static string Describe(Activity a, DiagnosticsRecorder recorder)
    {
        var parent = a.ParentId is null ? "none"
            : recorder.ClientActivities.Any(c => c.Id == a.ParentId) ? "client"
            : a.Parent?.Source.Name == DiagnosticsRecorder.HostingSourceName ? "http-request"
            : "other";
        var tags = string.Join(",", a.TagObjects.Select(t => $"{t.Key}={t.Value}"));
        // The request that carries the connection is the parent of its OnConnected activity.
        var connectionRequests = recorder.Activities.Where(o => o.OperationName.EndsWith("OnConnected", StringComparison.Ordinal)).Select(o => o.ParentSpanId).ToHashSet();
        var links = string.Join(",", a.Links.Select(l =>
            connectionRequests.Contains(l.Context.SpanId) ? "connection-request"
            : recorder.Requests.Any(r => r.SpanId == l.Context.SpanId) ? "other-request"
            : recorder.ClientActivities.Any(c => c.SpanId == l.Context.SpanId) ? "client" : "other"));
        var text = $"{a.OperationName} display={a.DisplayName} kind={a.Kind} status={a.Status}/{a.StatusDescription} parent={parent} tags=[{tags}] events={a.Events.Count()} links=[{links}]";
        // error.type names the exception's type; HubException's namespace is the one the migration substitutes.
        return text.Replace("error.type=SignalRLite.HubException", "error.type=Microsoft.AspNetCore.SignalR.HubException", StringComparison.Ordinal)
            .Replace("SignalRLite.Tests.Diagnostics.Official.", "", StringComparison.Ordinal)
            .Replace("SignalRLite.Tests.Diagnostics.Lite.", "", StringComparison.Ordinal);
    }
}
