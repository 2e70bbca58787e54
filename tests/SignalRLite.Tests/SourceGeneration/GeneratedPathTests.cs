using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Authorization;
using SignalRLite.Internal.Hubs;
using SignalRLite.SourceGeneration;
using SignalRLite.Tests.Hubs;
using SignalRLite.Tests.Infrastructure;
using static SignalRLite.Tests.Hubs.HubTestServer;

namespace SignalRLite.Tests.SourceGeneration;

/// <summary>
/// This test project runs the hub source generator (SignalRLite.Tests.csproj), so every hub test runs on the generated
/// path: these tests check that it is the path taken, that it describes every hub exactly as the reflection path
/// does, and that hubs and client interfaces without generated code still run on the reflection path.
/// </summary>
public sealed class GeneratedPathTests
{
    [Fact]
    public void The_test_hubs_and_client_interfaces_are_registered_by_the_generator()
    {
        Assert.NotNull(GeneratedHubs.FindHub<TestHub>());
        Assert.NotNull(GeneratedHubs.FindHub<TypedHub>());
        Assert.NotNull(GeneratedHubs.FindClientProxy<IChatClient>());
        Assert.True(HubMethodTable.Create<TestHub>(null, false).IsGenerated);
    }

    [Fact]
    public void A_generated_client_proxy_is_used_instead_of_DispatchProxy()
    {
        var proxy = TypedClientProxy<IChatClient>.Create(new RecordingProxy());

        Assert.Equal("SignalRLite.Generated", proxy.GetType().Namespace);
        Assert.False(proxy is DispatchProxy);
    }

    public static TheoryData<string> GeneratedHubTypes()
    {
        var data = new TheoryData<string>();
        foreach (var type in typeof(GeneratedPathTests).Assembly.GetTypes()
            .Where(t => typeof(Hub).IsAssignableFrom(t) && !t.IsAbstract && !t.ContainsGenericParameters && Find(t) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            data.Add(type.FullName!);
        }

        return data;
    }

    [Fact]
    public void Most_test_hubs_have_generated_code()
    {
        // Every hub of this assembly the runtime accepts, except the reflection-only ones below and hubs nested privately.
        Assert.True(GeneratedHubTypes().Count >= 30, $"only {GeneratedHubTypes().Count} generated hubs");
    }

    /// <summary>The generated method table has the facts the reflection path computes, method by method.</summary>
    [Theory]
    [MemberData(nameof(GeneratedHubTypes))]
    public void The_generated_table_agrees_with_the_reflection_table(string hubTypeName)
    {
        var hubType = typeof(GeneratedPathTests).Assembly.GetType(hubTypeName, throwOnError: true)!;
        var generated = Find(hubType)!;
        var isService = new Services(typeof(IGreeter), typeof(HubProbe));
        var fromGenerated = HubMethodTable.FromGenerated(hubType, (IEnumerable<GeneratedHubMethod>)generated.GetType().GetProperty("Methods")!.GetValue(generated)!, isService, false);
        var fromReflection = HubMethodTable.FromReflection(hubType, isService, false);

        Assert.Equal(fromReflection.Methods.Select(m => m.Name).Order(), fromGenerated.Methods.Select(m => m.Name).Order());
        foreach (var expected in fromReflection.Methods)
        {
            Assert.True(fromGenerated.TryGet(expected.Name, out var actual));
            Assert.Equal(expected.Method, actual.Method);
            Assert.Equal(expected.Sources, actual.Sources);
            Assert.Equal(expected.ParameterTypes, actual.ParameterTypes);
            Assert.Equal(expected.ServiceKeys, actual.ServiceKeys);
            Assert.Equal(expected.WireParameterTypes, actual.WireParameterTypes);
            Assert.Equal(expected.UploadStreamFactories.Length, actual.UploadStreamFactories.Length);
            Assert.Equal(expected.UploadStreamFactories.Select(f => f(1).ItemType), actual.UploadStreamFactories.Select(f => f(1).ItemType));
            Assert.Equal(expected.HasCancellationToken, actual.HasCancellationToken);
            Assert.Equal(expected.IsStreamingMethod, actual.IsStreamingMethod);
            Assert.Equal(expected.IsSynchronous, actual.IsSynchronous);
            Assert.Equal(expected.AuthorizeData.Select(Describe), actual.AuthorizeData.Select(Describe));
        }

        var activator = typeof(DefaultHubActivator<>).MakeGenericType(hubType);
        var reflected = hubType.GetConstructors().Any(c => c.GetParameters().Length > 0);
        Assert.Equal(reflected, (bool)activator.GetMethod("ConstructorHasParameters")!.Invoke(null, null)!);
        var overrides = hubType.GetMethod(nameof(Hub.OnAuthenticationRefreshedAsync), Type.EmptyTypes)!.DeclaringType != typeof(Hub);
        Assert.Equal(overrides, (bool)typeof(HubReflection).GetMethod("OverridesAuthenticationRefreshed")!.MakeGenericMethod(hubType).Invoke(null, null)!);
    }

    [Fact]
    public void A_hub_without_generated_code_gets_a_reflection_table()
    {
        // A generic hub type is closed only at run time (MapHub<ReflectionOnlyHub<int>>): the generator cannot describe it.
        Assert.Null(GeneratedHubs.FindHub<ReflectionOnlyHub<int>>());
        Assert.False(HubMethodTable.Create<ReflectionOnlyHub<int>>(null, false).IsGenerated);
    }

    [Fact]
    public async Task A_hub_without_generated_code_is_invoked_streams_and_uploads_on_the_reflection_path()
    {
        await using var server = Create<ReflectionOnlyHub<int>>();
        var connection = await server.ConnectAsync();

        var completion = await InvocationTests.InvokeAsync(connection, "Echo", 41);
        Assert.Equal(42, completion.GetProperty("result").GetInt32());

        await connection.SendAsync(StreamInvocation("s", "Count", 2));
        Assert.Equal(0, (await connection.ReadNonPingAsync()).GetProperty("item").GetInt32());
        Assert.Equal(1, (await connection.ReadNonPingAsync()).GetProperty("item").GetInt32());
        Assert.Equal(3, (await connection.ReadNonPingAsync()).GetProperty("type").GetInt32());
    }

    [Fact]
    public async Task A_client_interface_without_generated_code_gets_a_DispatchProxy_that_behaves_as_the_generated_one()
    {
        var recording = new RecordingProxy();
        var proxy = TypedClientProxy<IReflectionOnlyClient>.Create(recording);
        Assert.True(proxy is DispatchProxy);

        await proxy.Receive("a", CancellationToken.None);
        Assert.Equal("Receive", recording.Sent.Single().Method);
        Assert.Equal(["a"], recording.Sent.Single().Args);

        // The error for a client result asked of a group is the same on both paths.
        var generated = Assert.Throws<InvalidOperationException>(() => { _ = TypedClientProxy<IChatClient>.Create(recording).Ask("q"); });
        var reflected = Assert.Throws<InvalidOperationException>(() => { _ = proxy.Ask("q"); });
        Assert.Equal(reflected.Message.Replace(nameof(IReflectionOnlyClient.Ask), "", StringComparison.Ordinal), generated.Message.Replace(nameof(IChatClient.Ask), "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_generated_client_proxy_sends_without_the_cancellation_token_and_honours_HubMethodName()
    {
        var recording = new RecordingProxy();
        var proxy = TypedClientProxy<IChatClient>.Create(recording);

        await proxy.Receive("u", "m");
        await proxy.Renamed("x");

        Assert.Equal("Receive", recording.Sent[0].Method);
        Assert.Equal(["u", "m"], recording.Sent[0].Args);
        Assert.Equal("renamedOnClient", recording.Sent[1].Method);
    }

    private static object? Find(Type hubType) =>
        typeof(GeneratedHubs).GetMethod(nameof(GeneratedHubs.FindHub), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(hubType).Invoke(null, null);

    private static string Describe(IAuthorizeData data) => $"{data.GetType().Name}:{data.Policy}:{data.Roles}:{data.AuthenticationSchemes}";

    private sealed class Services(params Type[] types) : Microsoft.Extensions.DependencyInjection.IServiceProviderIsService
    {
        public bool IsService(Type serviceType) => types.Contains(serviceType);
    }
}

/// <summary>A hub the generator cannot describe (generic, closed at run time): it runs on the reflection path.</summary>
public sealed class ReflectionOnlyHub<T> : Hub
{
    public int Echo(int value) => value + 1;

    public async IAsyncEnumerable<int> Count(int n, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var i = 0; i < n; i++)
        {
            await Task.Yield();
            yield return i;
        }
    }
}

/// <summary>A client interface no hub or hub context of this assembly uses: it has no generated proxy.</summary>
public interface IReflectionOnlyClient
{
    Task Receive(string message, CancellationToken cancellationToken);

    Task<string> Ask(string question);
}

/// <summary>Records what a typed proxy sends; not a single client, so client results are refused.</summary>
internal sealed class RecordingProxy : IClientProxy
{
    public List<(string Method, object?[] Args)> Sent { get; } = [];

    public Task SendCoreAsync(string method, object?[] args, CancellationToken cancellationToken = default)
    {
        Sent.Add((method, args));
        return Task.CompletedTask;
    }
}
