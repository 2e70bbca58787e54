using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Infrastructure;
using SignalRLite.Tests.AotMessagePack.Models;

namespace SignalRLite.Tests.AotMessagePack;

/// <summary>
/// The official .NET client (MessagePack protocol, its own default resolvers) against a server whose MessagePack
/// protocol uses <see cref="MessagePackAot.SerializerOptions"/>, the options a native binary gets by default: hub methods
/// taking and returning [MessagePackObject] types (int and string keys, keyAsPropertyName, a record and a struct), an
/// attribute-less class, enums, collections, DateTime/Guid, a server-to-client stream and a strongly typed client call.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AotResolverInteropTests : IAsyncLifetime
{
    private HubAppHost _host = null!;
    private HubConnection _client = null!;

    public async Task InitializeAsync()
    {
        _host = await HubAppHost.StartAsync(
            HubHostKind.TestHost,
            services => services.AddSignalRLite().AddMessagePackProtocol(o => o.SerializerOptions = MessagePackAot.SerializerOptions),
            app => app.MapHub<AotShapesHub>("/aot"));
        _client = await _host.ConnectAsync("/aot", configure: b => b.AddMessagePackProtocol());
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task MessagePackObjectTypesRoundTripThroughHubMethods()
    {
        AssertSame(AotSamples.Shape(), await _client.InvokeAsync<Shape>("EchoShape", AotSamples.Shape()));
        AssertSame(AotSamples.Envelope(), await _client.InvokeAsync<Envelope>("EchoEnvelope", AotSamples.Envelope()));
        AssertSame(AotSamples.Labelled(), await _client.InvokeAsync<Labelled>("EchoLabelled", AotSamples.Labelled()));
        var named = await _client.InvokeAsync<Named>("EchoNamed", new Named("t") { Count = 3, Total = 8 });
        Assert.Equal(("t", 3, 8L), (named.Title, named.Count, named.Total));
        AssertSame(AotSamples.Plain(), await _client.InvokeAsync<PlainMessage>("EchoPlain", AotSamples.Plain()));
    }

    [Fact]
    public async Task EnumsCollectionsDatesAndGuidsRoundTrip()
    {
        Assert.Equal(Mood.Angry, await _client.InvokeAsync<Mood>("NextMood", Mood.Calm));
        Assert.Equal(Mood.Meh, await _client.InvokeAsync<Mood>("NextMood", Mood.Angry));
        var ids = new[] { Guid.NewGuid(), Guid.Empty };
        var grouped = await _client.InvokeAsync<Dictionary<string, List<Guid>>>("Group", ids, "g");
        Assert.Equal(ids, Assert.Single(grouped, kv => kv.Key == "g").Value);
        Assert.Equal(AotSamples.When.AddDays(1), await _client.InvokeAsync<DateTime>("AddDay", AotSamples.When));
        Assert.Equal(6, await _client.InvokeAsync<int>("Sum", new List<int> { 1, 2, 3 }));
        Assert.Equal("ab", await _client.InvokeAsync<string>("Concat", "a", "b"));
        Assert.Equal("a", await _client.InvokeAsync<string>("Concat", "a", null));
        Assert.Equal([(0, 0), (2, 2)], (await _client.InvokeAsync<List<Point>>("Corners", 2)).Select(p => (p.X, p.Y)));
    }

    [Fact]
    public async Task StreamsAndStronglyTypedClientCallsCarryGeneratedTypes()
    {
        var points = new List<Point>();
        await foreach (var point in _client.StreamAsync<Point>("Walk", 3))
        {
            points.Add(point);
        }

        Assert.Equal([(0, 0), (1, -1), (2, -2)], points.Select(p => (p.X, p.Y)));

        var received = new TaskCompletionSource<(Shape, PlainMessage)>(TaskCreationOptions.RunContinuationsAsynchronously);
        _client.On<Shape, PlainMessage>("Receive", (shape, message) => received.TrySetResult((shape, message)));
        await _client.InvokeAsync("SendBack", AotSamples.Shape(), AotSamples.Plain());
        var (receivedShape, receivedMessage) = await received.Task.WaitAsync(TestConnection.DefaultTimeout);
        AssertSame(AotSamples.Shape(), receivedShape);
        AssertSame(AotSamples.Plain(), receivedMessage);
    }

    // Same values: the same bytes under the JIT defaults (every member is written; MessagePackObject types have no Equals).
    private static void AssertSame<T>(T expected, T actual)
    {
        var options = new MessagePackHubProtocolOptions().SerializerOptions;
        Assert.Equal(
            Convert.ToHexString(global::MessagePack.MessagePackSerializer.Serialize(expected, options)),
            Convert.ToHexString(global::MessagePack.MessagePackSerializer.Serialize(actual, options)));
    }
}
