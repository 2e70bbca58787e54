using Microsoft.AspNetCore.Builder;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Infrastructure;
using ClientHubException = Microsoft.AspNetCore.SignalR.HubException;
using ClientTransport = Microsoft.AspNetCore.Http.Connections.HttpTransportType;

namespace SignalRLite.Tests.Interop;

public sealed class FilterLog
{
    public ConcurrentQueue<string> Entries { get; } = new();

    public Signal Disconnected { get; } = new();

    /// <summary>Set by the hub's OnConnectedAsync: the handshake is answered before it runs, so a client's StartAsync may return first.</summary>
    public Signal Connected { get; } = new();

    public string[] Take()
    {
        var items = new List<string>();
        while (Entries.TryDequeue(out var e))
        {
            items.Add(e);
        }

        return [.. items];
    }
}

public class FilteredHub(FilterLog log) : Hub
{
    public override Task OnConnectedAsync()
    {
        log.Entries.Enqueue("hub:connected");
        log.Connected.TrySetResult();
        return Task.CompletedTask;
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        log.Entries.Enqueue("hub:disconnected");
        log.Disconnected.TrySetResult();
        return Task.CompletedTask;
    }

    public int Add(int a, int b)
    {
        log.Entries.Enqueue("hub:Add");
        return a + b;
    }

    public string Echo(string text) => text;

    public string Secret() => "should not run";

    public void Fail() => throw new InvalidOperationException("hub failure");
}

/// <summary>Hub filters (learn.microsoft.com "Use hub filters in ASP.NET Core SignalR") with the official .NET client.</summary>
[Trait("Category", "Integration")]
public class HubFilterInteropTests
{
    private sealed class NamedFilter(string name, FilterLog log) : IHubFilter
    {
        public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
        {
            log.Entries.Enqueue($"{name}:before:{context.HubMethodName}");
            var result = await next(context);
            log.Entries.Enqueue($"{name}:after:{context.HubMethodName}");
            return result;
        }

        public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
        {
            log.Entries.Enqueue($"{name}:connected");
            await next(context);
        }

        public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
        {
            log.Entries.Enqueue($"{name}:disconnected");
            await next(context, exception);
        }
    }

    /// <summary>Registered in DI (scoped): gets its dependencies and one instance per call scope.</summary>
    public sealed class ScopedDiFilter(FilterLog log) : IHubFilter
    {
        private static int s_instances;
        private readonly int _instance = Interlocked.Increment(ref s_instances);

        public ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
        {
            log.Entries.Enqueue($"di:{_instance > 0}:{ReferenceEquals(context.ServiceProvider.GetRequiredService<ScopedDiFilter>(), this)}");
            return next(context);
        }
    }

    /// <summary>Not registered in DI: created (with its constructor dependencies) and disposed per call.</summary>
    public sealed class ActivatedFilter(FilterLog log) : IHubFilter, IDisposable
    {
        public ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
        {
            log.Entries.Enqueue("activated:invoke");
            return next(context);
        }

        public void Dispose() => log.Entries.Enqueue("activated:disposed");
    }

    private sealed class ContextInspectingFilter(FilterLog log) : IHubFilter
    {
        public ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
        {
            log.Entries.Enqueue($"ctx:{context.Hub.GetType().Name}:{context.HubMethod.Name}:{string.Join(",", context.HubMethodArguments)}:{context.Context.ConnectionId.Length > 0}:{context.ServiceProvider.GetService<FilterLog>() == log}");
            return next(context);
        }
    }

    private sealed class BehaviourFilter(FilterLog log) : IHubFilter
    {
        public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
        {
            switch (context.HubMethodName)
            {
                case "Secret":
                    // Short-circuit: the hub method never runs; the client gets this HubException's message.
                    throw new HubException("blocked by filter");
                case "Echo":
                    // Change the arguments: a new context with new arguments goes down the pipeline.
                    var changed = new HubInvocationContext(context.Context, context.ServiceProvider, context.Hub, context.HubMethod, [((string)context.HubMethodArguments[0]!).ToUpperInvariant()]);
                    return "filtered:" + await next(changed);
                default:
                    try
                    {
                        return await next(context);
                    }
                    catch (Exception ex)
                    {
                        log.Entries.Enqueue($"observed:{ex.GetType().Name}:{ex.Message}");
                        throw;
                    }
            }
        }
    }

    [Theory]
    [InlineData(ClientTransport.WebSockets)]
    [InlineData(ClientTransport.LongPolling)]
    public async Task GlobalFiltersRunBeforePerHubFiltersInTheOrderAdded(ClientTransport transport)
    {
        var log = new FilterLog();
        await using var host = await HubAppHost.StartAsync(
            HubHostKind.TestHost,
            services => services.AddSingleton(log).AddSignalRLite(o =>
            {
                o.AddFilter(new NamedFilter("global1", log));
                o.AddFilter(new NamedFilter("global2", log));
            }).AddHubOptions<FilteredHub>(o =>
            {
                o.AddFilter(new NamedFilter("hub1", log));
                o.AddFilter(new NamedFilter("hub2", log));
            }),
            app => app.MapHub<FilteredHub>("/filtered"));

        var client = await host.ConnectAsync("/filtered", transport);
        await log.Connected.WaitAsync();
        Assert.Equal(["global1:connected", "global2:connected", "hub1:connected", "hub2:connected", "hub:connected"], log.Take());
        Assert.Equal(5, await client.InvokeAsync<int>("Add", 2, 3));
        Assert.Equal(
            ["global1:before:Add", "global2:before:Add", "hub1:before:Add", "hub2:before:Add", "hub:Add", "hub2:after:Add", "hub1:after:Add", "global2:after:Add", "global1:after:Add"],
            log.Take());
        await client.StopAsync();
        await log.Disconnected.WaitAsync();
        Assert.Equal(["global1:disconnected", "global2:disconnected", "hub1:disconnected", "hub2:disconnected", "hub:disconnected"], log.Take());
    }

    [Fact]
    public async Task FiltersAreResolvedFromDependencyInjectionOrActivatedPerCall()
    {
        var log = new FilterLog();
        await using var host = await HubAppHost.StartAsync(
            HubHostKind.TestHost,
            services => services.AddSingleton(log).AddScoped<ScopedDiFilter>().AddSignalRLite(o =>
            {
                o.AddFilter<ScopedDiFilter>();
                o.AddFilter(typeof(ActivatedFilter));
            }),
            app => app.MapHub<FilteredHub>("/filtered"));

        var client = await ConnectSettledAsync(host, log);
        Assert.Equal(5, await client.InvokeAsync<int>("Add", 2, 3));
        Assert.Equal(["di:True:True", "activated:invoke", "hub:Add", "activated:disposed"], log.Take());
    }

    [Fact]
    public async Task InvocationContextGivesHubMethodArgumentsAndServices()
    {
        var log = new FilterLog();
        await using var host = await HubAppHost.StartAsync(
            HubHostKind.Kestrel,
            services => services.AddSingleton(log).AddSignalRLite(o => o.AddFilter(new ContextInspectingFilter(log))),
            app => app.MapHub<FilteredHub>("/filtered"));

        var client = await ConnectSettledAsync(host, log, ClientTransport.ServerSentEvents);
        Assert.Equal(7, await client.InvokeAsync<int>("Add", 3, 4));
        Assert.Equal(["ctx:FilteredHub:Add:3,4:True:True", "hub:Add"], log.Take());
    }

    [Fact]
    public async Task FiltersShortCircuitChangeArgumentsAndObserveExceptions()
    {
        var log = new FilterLog();
        await using var host = await HubAppHost.StartAsync(
            HubHostKind.TestHost,
            services => services.AddSingleton(log).AddSignalRLite().AddHubOptions<FilteredHub>(o => o.AddFilter(new BehaviourFilter(log))),
            app => app.MapHub<FilteredHub>("/filtered"));

        var client = await ConnectSettledAsync(host, log);

        var blocked = await Assert.ThrowsAsync<ClientHubException>(() => client.InvokeAsync<string>("Secret"));
        Assert.Equal("An unexpected error occurred invoking 'Secret' on the server. HubException: blocked by filter", blocked.Message);

        Assert.Equal("filtered:HELLO", await client.InvokeAsync<string>("Echo", "hello"));

        var failed = await Assert.ThrowsAsync<ClientHubException>(() => client.InvokeAsync("Fail"));
        Assert.Equal("An unexpected error occurred invoking 'Fail' on the server.", failed.Message);
        Assert.Equal(["observed:InvalidOperationException:hub failure"], log.Take());
        Assert.Equal(5, await client.InvokeAsync<int>("Add", 2, 3));
    }

    /// <summary>
    /// Connects and waits until the server is done with OnConnectedAsync and its filters (a first invocation is dispatched
    /// only after them; the handshake is answered before), then clears the log.
    /// </summary>
    private static async Task<HubConnection> ConnectSettledAsync(HubAppHost host, FilterLog log, ClientTransport transport = ClientTransport.WebSockets)
    {
        var client = await host.ConnectAsync("/filtered", transport);
        await client.InvokeAsync<string>("Echo", "ready");
        log.Take();
        return client;
    }
}
