using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SignalRLite.Http.Connections;
using HubException = SignalRLite.HubException;
using ClientTransport = Microsoft.AspNetCore.Http.Connections.HttpTransportType;

namespace SignalRLite.Client11.Tests;

/// <summary>What the hubs saw, shared with the test through DI.</summary>
public sealed class RefreshLog
{
    /// <summary>The <c>v</c> claim the authorization handler saw, by the invocation's key argument.</summary>
    public ConcurrentDictionary<string, string> AuthorizedVersion { get; } = new();

    /// <summary>The roles <c>Context.User</c> had in each <c>OnAuthenticationRefreshedAsync</c>.</summary>
    public ConcurrentQueue<string> Refreshed { get; } = new();

    /// <summary>Set when the hub method's token is cancelled, by invocation key.</summary>
    public ConcurrentDictionary<string, TaskCompletionSource> Cancelled { get; } = new();

    /// <summary>The hub method tokens, by invocation key.</summary>
    public ConcurrentDictionary<string, CancellationToken> Tokens { get; } = new();

    /// <summary>Set when the hub method started (its token is in <see cref="Tokens"/>), by invocation key.</summary>
    public ConcurrentDictionary<string, TaskCompletionSource> Started { get; } = new();

    public TaskCompletionSource CancelledFor(string key) =>
        Cancelled.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public TaskCompletionSource StartedFor(string key) =>
        Started.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}

/// <summary>Requires a <c>v</c> claim and records the one it authorized, by the invocation's first argument.</summary>
public sealed class VersionRequirement : AuthorizationHandler<VersionRequirement, HubInvocationContext>, IAuthorizationRequirement
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, VersionRequirement requirement, HubInvocationContext resource)
    {
        if (context.User.FindFirst("v")?.Value is { } version && resource.HubMethodArguments.FirstOrDefault() is string key)
        {
            resource.ServiceProvider.GetRequiredService<RefreshLog>().AuthorizedVersion[key] = version;
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

[Authorize]
public class RefreshHub(RefreshLog log) : Hub
{
    public string? Name() => Context.User?.Identity?.Name;

    public string? UserId() => Context.UserIdentifier;

    [Authorize("Admins")]
    public string Roles() => string.Join(",", Context.User!.FindAll("role").Select(c => c.Value));

    /// <summary>Reads the <c>v</c> claim of <c>Context.User</c> at its start and after yielding: "start/end".</summary>
    [Authorize("Versioned")]
    public async Task<string> ReadTwice(string key)
    {
        var start = Context.User!.FindFirst("v")!.Value;
        await Task.Yield();
        await Task.Delay(2);
        var end = Context.User!.FindFirst("v")!.Value;
        return start + "/" + end;
    }

    /// <summary>Waits until its token is cancelled (a CancelInvocation from the client).</summary>
    public async Task<string> WaitForCancel(string key, CancellationToken token)
    {
        log.Tokens[key] = token;
        var cancelled = log.CancelledFor(key);
        using var _ = token.Register(() => cancelled.TrySetResult());
        log.StartedFor(key).TrySetResult();
        await Task.Delay(Timeout.Infinite, token);
        return "not cancelled";
    }

    /// <summary>Whether the token of the invocation <paramref name="key"/> is cancelled by now.</summary>
    public bool IsCancelled(string key) => log.Tokens.TryGetValue(key, out var token) && token.IsCancellationRequested;

    /// <summary>Waits for a client result that never comes, with the method's token.</summary>
    public async Task<string> AskClient(string key, CancellationToken token)
    {
        log.Tokens[key] = token;
        try
        {
            return await Clients.Caller.InvokeAsync<string>("Never", token);
        }
        catch (HubException) when (token.IsCancellationRequested)
        {
            // As the official server reports a cancelled client-result wait (observed): "Invocation canceled by the server."
            log.CancelledFor(key).TrySetResult();
            throw;
        }
    }

    public override Task OnAuthenticationRefreshedAsync()
    {
        log.Refreshed.Enqueue(string.Join(",", Context.User!.FindAll("role").Select(c => c.Value)));
        return Clients.Caller.SendAsync("Refreshed", Context.User!.FindFirst("v")?.Value);
    }
}

/// <summary>A Kestrel server with JwtBearer and <see cref="RefreshHub"/> at <c>/hubs/refresh</c> (refresh on) and <c>/hubs/plain</c> (refresh off).</summary>
internal sealed class RefreshServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RefreshServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public RefreshLog Log => _app.Services.GetRequiredService<RefreshLog>();

    public static async Task<RefreshServer> StartAsync(Action<HttpConnectionDispatcherOptions>? configure = null, int maxParallel = 1)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        JwtBearerSetup.AddJwtBearer(builder.Services);
        builder.Services.AddAuthorizationBuilder().AddPolicy("Versioned", p => p.AddRequirements(new VersionRequirement()));
        builder.Services.AddSingleton<IAuthorizationHandler, VersionRequirement>();
        builder.Services.AddSingleton<RefreshLog>();
        builder.Services.AddSignalRLite(o => o.MaximumParallelInvocationsPerClient = maxParallel);
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapHub<RefreshHub>("/hubs/refresh", o =>
        {
            o.EnableAuthenticationRefresh = true;
            o.CloseOnAuthenticationExpiration = true;
            configure?.Invoke(o);
        });
        app.MapHub<RefreshHub>("/hubs/plain");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RefreshServer(app, new Uri(address));
    }

    /// <summary>An official 11.0 client of <c>{path}</c> whose access token comes from <paramref name="token"/> at every request.</summary>
    public HubConnection CreateClient(ClientTransport transport, Func<string> token, Action<AuthenticationRefreshOptions>? refresh = null, string path = "/hubs/refresh")
    {
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(BaseAddress, path), transport, o => o.AccessTokenProvider = () => Task.FromResult<string?>(token()))
            .ConfigureLogging(l => l.ClearProviders());
        if (refresh is not null)
        {
            builder.WithAuthenticationRefresh(refresh);
        }

        return builder.Build();
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
