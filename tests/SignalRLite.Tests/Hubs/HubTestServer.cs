using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Infrastructure;

namespace SignalRLite.Tests.Hubs;

internal static class HubTestServer
{
    /// <summary>An in-memory server of <typeparamref name="THub"/> with a <see cref="HubProbe"/> and the test services.</summary>
    public static InMemoryHubServer<THub> Create<THub>(Action<HubOptions>? configure = null, Action<IServiceCollection>? services = null, Action<ISignalRServerBuilder>? builder = null)
        where THub : Hub =>
        InMemoryHubServer<THub>.Create(configure, s =>
        {
            s.AddSingleton<HubProbe>();
            s.AddSingleton<IGreeter, Greeter>();
            s.AddKeyedSingleton<IGreeter, LoudGreeter>("loud");
            services?.Invoke(s);
        }, builder);

    public static HubProbe Probe<THub>(this InMemoryHubServer<THub> server) where THub : Hub => server.Services.GetRequiredService<HubProbe>();

    public static string Invocation(string? id, string target, params object?[] args) =>
        System.Text.Json.JsonSerializer.Serialize(id is null
            ? new Dictionary<string, object?> { ["type"] = 1, ["target"] = target, ["arguments"] = args }
            : new Dictionary<string, object?> { ["type"] = 1, ["invocationId"] = id, ["target"] = target, ["arguments"] = args }) + TestConnection.RS;

    public static string StreamInvocation(string id, string target, params object?[] args) =>
        System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object?> { ["type"] = 4, ["invocationId"] = id, ["target"] = target, ["arguments"] = args }) + TestConnection.RS;
}
