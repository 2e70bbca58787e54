using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SignalRLite.Internal.Diagnostics;
using SignalRLite.Internal.RateLimiting;
using SignalRLite.Protocol;

namespace SignalRLite.Internal.Hubs;

/// <summary>
/// Runs hub code for one hub type: the method table and filter pipelines are built once; per message it routes
/// invocations, stream items, completions and cancellations of a connection.
/// </summary>
/// <remarks>
/// Stateless per connection (the state is the connection's <see cref="HubConnectionInvocations"/>). The parts:
/// this file routes messages and creates hubs; HubDispatcher.Invocations.cs validates an invocation and hands it to the
/// connection's <see cref="InvocationScheduler"/>; HubDispatcher.InlinePath.cs is the synchronous fast path;
/// HubDispatcher.Scoped.cs runs everything else (scope, filters, [Authorize], server-to-client streams).
/// </remarks>
internal sealed partial class HubDispatcher<THub> where THub : Hub
{
    /// <summary>The <c>signalr.hub</c> attribute of this hub's measurements.</summary>
    private static readonly string HubName = typeof(THub).Name;

    private readonly IServiceScopeFactory _scopeFactory;
    private readonly IServiceProvider _rootServices;
    private readonly bool _scopeUnobservable;
    private readonly HubLifetimeManager<THub> _lifetimeManager;
    private readonly IHubContext<THub> _hubContext;
    private readonly ILogger _logger;
    private readonly bool _customActivator;
    private readonly Func<HubInvocationContext, ValueTask<object?>> _invokePipeline;
    private readonly Func<HubLifetimeContext, Task> _onConnectedPipeline;
    private readonly Func<HubLifetimeContext, Exception?, Task> _onDisconnectedPipeline;

    /// <summary>The rate limit policies of this hub (HubDispatcher.RateLimits.cs); null when none applies.</summary>
    private readonly HubRateLimits? _rateLimits;

    public HubDispatcher(
        IServiceScopeFactory scopeFactory,
        HubLifetimeManager<THub> lifetimeManager,
        IHubContext<THub> hubContext,
        IOptions<HubOptions> globalOptions,
        IOptions<HubOptions<THub>> hubOptions,
        ILogger<HubDispatcher<THub>> logger,
        IServiceProvider rootServices,
        SignalRLiteMetrics metrics,
        IServiceProviderIsService? isService = null,
        HubRateLimiterRegistry? rateLimiter = null)
    {
        Metrics = metrics;
        _scopeFactory = scopeFactory;
        _rootServices = rootServices;
        _lifetimeManager = lifetimeManager;
        _hubContext = hubContext;
        _logger = logger;
        Options = HubOptionsResolver.Resolve(globalOptions.Value, hubOptions.Value);
        EnableDetailedErrors = Options.EnableDetailedErrors ?? false;
        Methods = HubMethodTable.Create<THub>(isService, Options.DisableImplicitFromServicesParameters);
        _rateLimits = HubRateLimits.Create(typeof(THub), HubName, Methods, rateLimiter);

        var filters = Options.HubFilters ?? [];
        var methods = Methods;
        // A filter may pass a context it created itself (new arguments, for example): find its method by MethodInfo.
        Func<HubInvocationContext, ValueTask<object?>> invoke = ctx =>
            (ctx.Descriptor ?? methods.Methods.First(m => m.Method == ctx.HubMethod)).Invoker(ctx.Hub, ctx.HubMethodArguments as object?[] ?? [.. ctx.HubMethodArguments]);
        Func<HubLifetimeContext, Task> connected = static ctx => ctx.Hub.OnConnectedAsync();
        Func<HubLifetimeContext, Exception?, Task> disconnected = static (ctx, ex) => ctx.Hub.OnDisconnectedAsync(ex);
        for (var i = filters.Count - 1; i >= 0; i--)
        {
            var filter = filters[i];
            var nextInvoke = invoke;
            var nextConnected = connected;
            var nextDisconnected = disconnected;
            invoke = ctx => filter.InvokeMethodAsync(ctx, nextInvoke);
            connected = ctx => filter.OnConnectedAsync(ctx, nextConnected);
            disconnected = (ctx, ex) => filter.OnDisconnectedAsync(ctx, ex, nextDisconnected);
        }

        // Hubs are transient and resolved from a scope per invocation. When nothing can observe that scope (no filter
        // sees HubInvocationContext.ServiceProvider, the hub is not a registered service and has no constructor
        // parameters), methods without [FromServices] parameters run without one: creating and disposing an empty
        // scope would be the only effect.
        _customActivator = HasCustomActivator(scopeFactory);
        _scopeUnobservable = filters.Count == 0
            && !_customActivator
            && isService is not null
            && !isService.IsService(typeof(THub))
            && !DefaultHubActivator<THub>.ConstructorHasParameters();

        _invokePipeline = invoke;
        _onConnectedPipeline = connected;
        _onDisconnectedPipeline = disconnected;
    }

    /// <summary>The effective options of the hub (per-hub options when configured, else the global ones).</summary>
    public HubOptions Options { get; }

    public bool EnableDetailedErrors { get; }

    /// <summary>The <c>SignalRLite</c> meter's instruments (docs/observability.md).</summary>
    public SignalRLiteMetrics Metrics { get; }

    /// <summary>The <c>signalr.hub</c> attribute of this hub's measurements.</summary>
    public string MetricsHubName => HubName;

    public HubMethodTable Methods { get; }

    /// <summary>
    /// Prepares a connection for dispatch: its caller view. The caller clients and the invocation state are created on
    /// first use (<see cref="HubConnectionContext.CallerClients"/>, <see cref="HubConnectionContext.GetInvocations"/>):
    /// an idle connection holds neither.
    /// </summary>
    public void InitializeConnection(HubConnectionContext connection)
    {
        connection.CallerContext = new DefaultHubCallerContext(connection);
        connection.SetHubClients(_hubContext.Clients);
        AddAuthenticationRefreshHooks(connection);
    }

    public async Task OnConnectedAsync(HubConnectionContext connection)
    {
        using var activity = HubActivitySource.StartLifetime(typeof(THub), connected: true);
        await using var scope = _scopeFactory.CreateAsyncScope();
        var hub = CreateHub(scope.ServiceProvider, connection, out var created);
        try
        {
            await _onConnectedPipeline(new HubLifetimeContext(connection.CallerContext!, scope.ServiceProvider, hub)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            HubActivitySource.SetError(activity, ex);
            throw;
        }
        finally
        {
            ReleaseHub(scope.ServiceProvider, hub, created);
        }
    }

    /// <summary>Drops queued invocations and fails upload streams of a connection that is ending.</summary>
    public void AbandonConnection(HubConnectionContext connection)
    {
        var invocations = connection.GetInvocations();
        invocations.Scheduler.Close();
        invocations.CompleteStreams(new OperationCanceledException("The connection was closed."));
        invocations.RateLimitLeases?.ReleaseAll();
    }

    public async Task OnDisconnectedAsync(HubConnectionContext connection, Exception? exception)
    {
        AbandonConnection(connection);
        using var activity = HubActivitySource.StartLifetime(typeof(THub), connected: false);
        await using var scope = _scopeFactory.CreateAsyncScope();
        var hub = CreateHub(scope.ServiceProvider, connection, out var created);
        try
        {
            await _onDisconnectedPipeline(new HubLifetimeContext(connection.CallerContext!, scope.ServiceProvider, hub), exception).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            HubActivitySource.SetError(activity, ex);
            throw;
        }
        finally
        {
            ReleaseHub(scope.ServiceProvider, hub, created);
        }
    }

    /// <summary>
    /// Handles one parsed message on the read loop. Only waits for what must happen in order (writing an immediate
    /// error, handing a stream item to its buffer); invocations are queued. Throws on protocol errors.
    /// </summary>
    public ValueTask DispatchMessageAsync(HubConnectionContext connection, HubMessage message)
    {
        switch (message)
        {
            case HubMethodInvocationMessage invocation:
                return _rateLimits is null ? ProcessInvocationAsync(connection, invocation) : ProcessLimitedInvocationAsync(connection, invocation);

            case InvocationBindingFailureMessage failure:
                return _rateLimits is null ? ProcessBindingFailureAsync(connection, failure) : ProcessLimitedBindingFailureAsync(connection, failure);

            case StreamItemMessage item:
                if (connection.GetInvocations().Streams.TryGetValue(item.InvocationId!, out var stream))
                {
                    Metrics.StreamItem(HubName, stream.MethodName, upload: true);
                    return stream.WriteAsync(item.Item, connection.ConnectionAborted);
                }

                HubLog.UnknownStream(_logger, item.InvocationId!);
                return default;

            case StreamBindingFailureMessage streamFailure:
                // As the official server (observed): the stream ends with a HubException; later items are ignored.
                if (connection.GetInvocations().Streams.TryRemove(streamFailure.Id, out var failedStream))
                {
                    HubLog.StreamBindingFailed(_logger, streamFailure.Id, streamFailure.BindingFailure.SourceException);
                    failedStream.Complete(new HubException(HubErrors.StreamBindingFailed(streamFailure.BindingFailure.SourceException, EnableDetailedErrors)));
                }

                return default;

            case CompletionMessage completion:
                if (connection.GetInvocations().Streams.TryRemove(completion.InvocationId!, out var completed))
                {
                    completed.Complete(completion.Error is null ? null : new HubException(completion.Error));
                    return default;
                }

                return new ValueTask(SetClientResultAsync(connection, completion));

            case CancelInvocationMessage cancel:
                if (connection.GetInvocations().Active.TryGetValue(cancel.InvocationId!, out var cts))
                {
                    try
                    {
                        // Callbacks registered by user code run off the read loop.
                        _ = cts.CancelAsync();
                    }
                    catch (ObjectDisposedException)
                    {
                        // The invocation finished meanwhile.
                    }
                }

                return default;

            case PingMessage:
                connection.PingReceived();
                return default;

            case AckMessage or SequenceMessage:
                return default;

            default:
                HubLog.UnexpectedMessage(_logger, message.GetType().Name);
                return default;
        }
    }

    /// <summary>Arguments of an invocation the parser could not bind: logged, counted, answered when it has an id.</summary>
    private ValueTask ProcessBindingFailureAsync(HubConnectionContext connection, InvocationBindingFailureMessage failure)
    {
        HubLog.BindingFailed(_logger, failure.Target, failure.BindingFailure.SourceException);
        if (Metrics.InvocationsEnabled)
        {
            // The binder cannot bind the arguments of a target the hub does not have: that is an unknown method.
            Metrics.InvocationEnded(
                HubName,
                Methods.TryGet(failure.Target, out var failed) ? failed.Name : SignalRLiteMetrics.OtherMethod,
                failed is null ? InvocationOutcome.UnknownMethod : InvocationOutcome.BindingFailure,
                start: 0);
        }

        return failure.InvocationId is null
            ? default
            : connection.WriteAsync(CompletionMessage.WithError(
                failure.InvocationId,
                HubErrors.BindingFailed(failure.Target, failure.BindingFailure.SourceException, EnableDetailedErrors)));
    }

    private async Task SetClientResultAsync(HubConnectionContext connection, CompletionMessage completion)
    {
        try
        {
            await _lifetimeManager.SetConnectionResultAsync(connection.ConnectionId, completion).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            HubLog.UnexpectedCompletion(_logger, completion.InvocationId!, ex);
        }
    }

    /// <summary>
    /// Whether the app replaced <see cref="IHubActivator{THub}"/>. Asked once: with the default activator, hubs are
    /// created here directly (the same steps, without resolving the activator from every invocation's scope).
    /// </summary>
    private static bool HasCustomActivator(IServiceScopeFactory scopeFactory)
    {
        using var scope = scopeFactory.CreateScope();
        return scope.ServiceProvider.GetService<IHubActivator<THub>>() is { } activator && activator is not DefaultHubActivator<THub>;
    }

    private THub CreateHub(IServiceProvider services, HubConnectionContext connection, out bool created)
    {
        THub hub;
        if (_customActivator)
        {
            hub = services.GetRequiredService<IHubActivator<THub>>().Create();
            created = true;
        }
        else
        {
            hub = DefaultHubActivator<THub>.Create(services, out created);
        }

        // Clients is not set: the hub builds it from its Context on first read (Hub.Clients), so a hub that never reads
        // it does not make the connection create its caller clients.
        hub.Context = connection.CallerContext!;
        hub.Groups = _hubContext.Groups;
        return hub;
    }

    private void ReleaseHub(IServiceProvider services, THub? hub, bool created)
    {
        if (hub is null)
        {
            return;
        }

        if (_customActivator)
        {
            services.GetRequiredService<IHubActivator<THub>>().Release(hub);
        }
        else if (created)
        {
            hub.Dispose();
        }
    }
}
