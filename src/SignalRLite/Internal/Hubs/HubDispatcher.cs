using System.Runtime.ExceptionServices;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SignalRLite.Protocol;

namespace SignalRLite.Internal.Hubs;

/// <summary>
/// Runs hub code for one hub type: the method table and filter pipelines are built once; per message it routes
/// invocations, stream items, completions and cancellations of a connection.
/// </summary>
internal sealed class HubDispatcher<THub> where THub : Hub
{
    private const int MaxInvocationIdLength = 1024;

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

    public HubDispatcher(
        IServiceScopeFactory scopeFactory,
        HubLifetimeManager<THub> lifetimeManager,
        IHubContext<THub> hubContext,
        IOptions<HubOptions> globalOptions,
        IOptions<HubOptions<THub>> hubOptions,
        ILogger<HubDispatcher<THub>> logger,
        IServiceProvider rootServices,
        IServiceProviderIsService? isService = null)
    {
        _scopeFactory = scopeFactory;
        _rootServices = rootServices;
        _lifetimeManager = lifetimeManager;
        _hubContext = hubContext;
        _logger = logger;
        Options = HubOptionsResolver.Resolve(globalOptions.Value, hubOptions.Value);
        EnableDetailedErrors = Options.EnableDetailedErrors ?? false;
        Methods = new HubMethodTable(typeof(THub), isService, Options.DisableImplicitFromServicesParameters);

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
            && typeof(THub).GetConstructors().All(c => c.GetParameters().Length == 0);

        _invokePipeline = invoke;
        _onConnectedPipeline = connected;
        _onDisconnectedPipeline = disconnected;
    }

    /// <summary>The effective options of the hub (per-hub options when configured, else the global ones).</summary>
    public HubOptions Options { get; }

    public bool EnableDetailedErrors { get; }

    public HubMethodTable Methods { get; }

    /// <summary>Prepares a connection for dispatch: its caller view, caller clients and invocation state.</summary>
    public void InitializeConnection(HubConnectionContext connection)
    {
        connection.CallerContext = new DefaultHubCallerContext(connection);
        connection.CallerClients = new HubCallerClients(_hubContext.Clients, connection.ConnectionId);
        connection.Invocations = new HubConnectionInvocations(Options.MaximumParallelInvocationsPerClient, connection);
    }

    public async Task OnConnectedAsync(HubConnectionContext connection)
    {
        await using var scope = _scopeFactory.CreateAsyncScope();
        var hub = CreateHub(scope.ServiceProvider, connection, out var created);
        try
        {
            await _onConnectedPipeline(new HubLifetimeContext(connection.CallerContext!, scope.ServiceProvider, hub)).ConfigureAwait(false);
        }
        finally
        {
            ReleaseHub(scope.ServiceProvider, hub, created);
        }
    }

    /// <summary>Drops queued invocations and fails upload streams of a connection that is ending.</summary>
    public void AbandonConnection(HubConnectionContext connection)
    {
        var invocations = connection.Invocations!;
        invocations.Close();
        invocations.CompleteStreams(new OperationCanceledException("The connection was closed."));
    }

    public async Task OnDisconnectedAsync(HubConnectionContext connection, Exception? exception)
    {
        AbandonConnection(connection);
        await using var scope = _scopeFactory.CreateAsyncScope();
        var hub = CreateHub(scope.ServiceProvider, connection, out var created);
        try
        {
            await _onDisconnectedPipeline(new HubLifetimeContext(connection.CallerContext!, scope.ServiceProvider, hub), exception).ConfigureAwait(false);
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
                return ProcessInvocationAsync(connection, invocation);

            case InvocationBindingFailureMessage failure:
                HubLog.BindingFailed(_logger, failure.Target, failure.BindingFailure.SourceException);
                return failure.InvocationId is null
                    ? default
                    : connection.WriteAsync(CompletionMessage.WithError(
                        failure.InvocationId,
                        HubErrors.BindingFailed(failure.Target, failure.BindingFailure.SourceException, EnableDetailedErrors)));

            case StreamItemMessage item:
                if (connection.Invocations!.Streams.TryGetValue(item.InvocationId!, out var stream))
                {
                    return stream.WriteAsync(item.Item, connection.ConnectionAborted);
                }

                HubLog.UnknownStream(_logger, item.InvocationId!);
                return default;

            case StreamBindingFailureMessage streamFailure:
                // As the official server (observed): the stream ends with a HubException; later items are ignored.
                if (connection.Invocations!.Streams.TryRemove(streamFailure.Id, out var failedStream))
                {
                    HubLog.StreamBindingFailed(_logger, streamFailure.Id, streamFailure.BindingFailure.SourceException);
                    failedStream.Complete(new HubException(HubErrors.StreamBindingFailed(streamFailure.BindingFailure.SourceException, EnableDetailedErrors)));
                }

                return default;

            case CompletionMessage completion:
                if (connection.Invocations!.Streams.TryRemove(completion.InvocationId!, out var completed))
                {
                    completed.Complete(completion.Error is null ? null : new HubException(completion.Error));
                    return default;
                }

                return new ValueTask(SetClientResultAsync(connection, completion));

            case CancelInvocationMessage cancel:
                if (connection.Invocations!.Active.TryGetValue(cancel.InvocationId!, out var cts))
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

    private ValueTask ProcessInvocationAsync(HubConnectionContext connection, HubMethodInvocationMessage message)
    {
        var id = message.InvocationId;
        var isStreamInvocation = message is StreamInvocationMessage;
        if (id is { Length: > MaxInvocationIdLength })
        {
            throw new InvalidDataException($"Invocation ID exceeds the maximum length of {MaxInvocationIdLength} characters.");
        }

        if (!Methods.TryGet(message.Target, out var descriptor))
        {
            HubLog.UnknownMethod(_logger, message.Target);
            return id is null
                ? default
                : connection.WriteAsync(CompletionMessage.WithError(id, HubErrors.BindingFailed(message.Target, new HubException(HubErrors.MethodDoesNotExist), EnableDetailedErrors)));
        }

        if (descriptor.IsStreamingMethod != isStreamInvocation)
        {
            return id is null
                ? default
                : connection.WriteAsync(CompletionMessage.WithError(id, descriptor.IsStreamingMethod
                    ? HubErrors.StreamingMethodCalledWithInvocation(message.Target)
                    : HubErrors.NonStreamingMethodCalledWithStreamInvocation(message.Target)));
        }

        var streamIds = message.StreamIds ?? [];
        if (streamIds.Length != descriptor.UploadStreamFactories.Length)
        {
            var ex = new InvalidDataException($"Invocation provides {streamIds.Length} stream(s) but target expects {descriptor.UploadStreamFactories.Length}.");
            return id is null
                ? default
                : connection.WriteAsync(CompletionMessage.WithError(id, HubErrors.BindingFailed(message.Target, ex, EnableDetailedErrors)));
        }

        var invocations = connection.Invocations!;
        CancellationTokenSource? cts = null;
        if (id is not null && (descriptor.HasCancellationToken || descriptor.IsStreamingMethod))
        {
            cts = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionAborted);
            // Only invocations that can observe CancelInvocation are registered. A duplicate in-flight id runs, as on
            // the official server (observed); CancelInvocation reaches the one registered first.
            invocations.Active.TryAdd(id, cts);
        }

        IUploadStream[]? streams = null;
        if (streamIds.Length > 0)
        {
            streams = new IUploadStream[streamIds.Length];
            for (var i = 0; i < streamIds.Length; i++)
            {
                streams[i] = descriptor.UploadStreamFactories[i](Options.StreamBufferCapacity ?? HubOptionsDefaults.StreamBufferCapacity);
                invocations.AddStream(streamIds[i], streams[i]);
            }
        }

        var invocation = invocations.TakeSpare<Invocation>() ?? new Invocation();
        invocation.Set(this, connection, message, descriptor, cts, streams);
        if (streams is not null)
        {
            invocations.StartOutsideLimit(invocation);
            return default;
        }

        // A synchronous method without a CancellationToken cannot wait for, or be told, anything the read loop would have
        // to deliver (a client result, a stream item, a CancelInvocation), so when it would start at once anyway it
        // runs right here, as the official server runs invocations in its read loop: one thread-pool hop less per
        // invocation. The client timeout does not run meanwhile (the server, not the client, holds up reading).
        if (descriptor.IsSynchronous && !descriptor.HasCancellationToken)
        {
            connection.ReaderPaused(true);
            var ran = invocations.TryRunInline(invocation);
            connection.ReaderPaused(false);
            if (ran)
            {
                return default;
            }
        }

        var queueFull = invocations.Enqueue(invocation);
        // With stateful reconnect the reader must stay free to read the Sequence message of a reattached transport
        // (running invocations may be waiting to write until then), so the queue is not bounded there.
        return queueFull is null || connection.StatefulReconnectEnabled || connection.Features.Get<SignalRLite.Internal.Connections.IStatefulReconnectFeature>() is not null
            ? default
            : WaitForQueueSpaceAsync(queueFull, connection);
    }

    /// <summary>
    /// The reader waits while the connection's invocation queue is full. Closing the connection (ConnectionAborted)
    /// ends the wait with an exception the read loop expects; the transport ending ends it quietly, and the reader
    /// then finds its input completed.
    /// </summary>
    private async ValueTask WaitForQueueSpaceAsync(Task space, HubConnectionContext connection)
    {
        HubLog.InvocationQueueFull(_logger, connection.ConnectionId, HubConnectionInvocations.MaxQueuedInvocations);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionAborted, connection.ConnectionContext.ConnectionClosed);
        try
        {
            await space.WaitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!connection.ConnectionAborted.IsCancellationRequested)
        {
        }
    }

    private static bool NeedsServices(HubMethodDescriptor descriptor)
    {
        foreach (var source in descriptor.Sources)
        {
            if (source is HubParameterSource.Services or HubParameterSource.KeyedServices)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Runs a non-streaming invocation without a scope and without an async state machine while the method and the
    /// write of its completion finish synchronously; anything else continues in <see cref="CompleteInvocationAsync"/>.
    /// </summary>
    private ValueTask InvokeAsync(
        HubConnectionContext connection,
        HubMethodInvocationMessage message,
        HubMethodDescriptor descriptor,
        CancellationTokenSource? cts,
        IUploadStream[]? streams,
        QueuedInvocation slot)
    {
        // [Authorize] is evaluated with the scope's services and the invocation context, so it takes the scoped path.
        if (!_scopeUnobservable || descriptor.IsStreamingMethod || descriptor.AuthorizeData.Length > 0 || NeedsServices(descriptor))
        {
            return new ValueTask(InvokeInScopeAsync(connection, message, descriptor, cts, streams, slot));
        }

        THub? hub = null;
        ValueTask<object?> pending;
        try
        {
            hub = CreateHub(_rootServices, connection, out _);
            var arguments = BuildArguments(descriptor, message.Arguments, _rootServices, cts?.Token ?? connection.ConnectionAborted, streams);
            pending = descriptor.Invoker(hub, arguments);
        }
        catch (Exception ex)
        {
            pending = ValueTask.FromException<object?>(ex);
        }

        if (!pending.IsCompletedSuccessfully)
        {
            return CompleteInvocationAsync(pending, default, connection, message, descriptor, cts, streams, hub);
        }

        var result = pending.Result;
        if (message.InvocationId is { } id)
        {
            ValueTask write;
            try
            {
                // Serialised synchronously by WriteAsync, so the invocation's own completion object can be reused.
                // Methods without a value (void, Task, ValueTask) complete with a null result, as on the official server.
                var completion = ((Invocation)slot).Completion.Reuse(id, result, hasResult: true);
                // With more invocations waiting, the next one runs on this thread right after this one: its completion
                // (or the end of the run) flushes this one too.
                write = connection.WriteAsync(completion, flush: !connection.Invocations!.HasWaiting);
                completion.Reuse("", null, false);
            }
            catch (Exception ex)
            {
                return CompleteInvocationAsync(ValueTask.FromException<object?>(ex), default, connection, message, descriptor, cts, streams, hub);
            }

            if (!write.IsCompletedSuccessfully)
            {
                return CompleteInvocationAsync(pending, write, connection, message, descriptor, cts, streams, hub);
            }
        }

        EndInvocation(connection, message, cts, streams);
        ReleaseHub(_rootServices, hub, created: true);
        if (message.GetType() == typeof(InvocationMessage))
        {
            // Nothing else saw the message (no filter, no scope) and nothing refers to it any more.
            connection.InvocationMessages.Return((InvocationMessage)message);
        }

        return default;
    }

    /// <summary>The rest of a scope-less invocation: awaits the method (or the write of its completion when <paramref name="write"/> is pending) and completes it.</summary>
    private async ValueTask CompleteInvocationAsync(
        ValueTask<object?> pending,
        ValueTask write,
        HubConnectionContext connection,
        HubMethodInvocationMessage message,
        HubMethodDescriptor descriptor,
        CancellationTokenSource? cts,
        IUploadStream[]? streams,
        THub? hub)
    {
        var id = message.InvocationId;
        try
        {
            if (!write.IsCompleted)
            {
                await write.ConfigureAwait(false);
                return;
            }

            var result = await pending.ConfigureAwait(false);
            if (id is not null)
            {
                await connection.WriteAsync(CompletionMessage.WithResult(id, result)).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            HubLog.InvocationFailed(_logger, descriptor.Name, ex);
            if (id is not null)
            {
                await connection.WriteAsync(CompletionMessage.WithError(id, HubErrors.InvocationFailed(message.Target, ex, EnableDetailedErrors))).ConfigureAwait(false);
            }
        }
        finally
        {
            EndInvocation(connection, message, cts, streams);
            ReleaseHub(_rootServices, hub, created: true);
        }
    }

    private async Task InvokeInScopeAsync(
        HubConnectionContext connection,
        HubMethodInvocationMessage message,
        HubMethodDescriptor descriptor,
        CancellationTokenSource? cts,
        IUploadStream[]? streams,
        QueuedInvocation slot)
    {
        var id = message.InvocationId;
        var scope = _scopeFactory.CreateAsyncScope();
        THub? hub = null;
        var created = false;
        var streamingStarted = false;
        try
        {
            hub = CreateHub(scope.ServiceProvider, connection, out created);
            var arguments = BuildArguments(descriptor, message.Arguments, scope.ServiceProvider, cts?.Token ?? connection.ConnectionAborted, streams);
            var context = new HubInvocationContext(connection.CallerContext!, scope.ServiceProvider, hub, descriptor.Method, arguments)
            {
                Descriptor = descriptor,
            };

            if (descriptor.AuthorizeData.Length > 0 && !await IsAuthorizedAsync(context, descriptor).ConfigureAwait(false))
            {
                HubLog.InvocationUnauthorized(_logger, descriptor.Name, connection.ConnectionId);
                if (id is not null)
                {
                    await connection.WriteAsync(CompletionMessage.WithError(id, HubErrors.Unauthorized(message.Target))).ConfigureAwait(false);
                }

                return;
            }

            var result = await _invokePipeline(context).ConfigureAwait(false);

            if (descriptor.IsStreamingMethod)
            {
                if (result is null)
                {
                    throw new InvalidOperationException($"The streaming method '{descriptor.Name}' returned null.");
                }

                // The stream's items are pumped outside the parallel-invocation limit.
                slot.Release();
                streamingStarted = true;
                _ = StreamResultsAsync(connection, message, descriptor.StreamEnumerator!(result, cts!.Token), cts, streams, scope, hub, created);
                return;
            }

            if (id is not null)
            {
                await connection.WriteAsync(CompletionMessage.WithResult(id, result)).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            HubLog.InvocationFailed(_logger, descriptor.Name, ex);
            if (id is not null)
            {
                var error = descriptor.IsStreamingMethod
                    ? HubErrors.StreamFailed(ex, EnableDetailedErrors)
                    : HubErrors.InvocationFailed(message.Target, ex, EnableDetailedErrors);
                await connection.WriteAsync(CompletionMessage.WithError(id, error)).ConfigureAwait(false);
            }
        }
        finally
        {
            if (!streamingStarted)
            {
                EndInvocation(connection, message, cts, streams);
                ReleaseHub(scope.ServiceProvider, hub, created);
                await scope.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Evaluates the method's <c>[Authorize]</c> data against the connection's user, with the invocation context as the
    /// resource (so handlers can inspect the method and its arguments). Runs before the filters.
    /// </summary>
    private static async Task<bool> IsAuthorizedAsync(HubInvocationContext context, HubMethodDescriptor descriptor)
    {
        var services = context.ServiceProvider;
        var policyProvider = services.GetService<IAuthorizationPolicyProvider>()
            ?? throw new InvalidOperationException($"Hub method '{descriptor.Name}' has [Authorize] but authorization services are not registered (call AddAuthorization).");
        var policy = await AuthorizationPolicy.CombineAsync(policyProvider, descriptor.AuthorizeData).ConfigureAwait(false);
        if (policy is null)
        {
            return true;
        }

        var user = context.Context.User ?? new System.Security.Claims.ClaimsPrincipal();
        var result = await services.GetRequiredService<IAuthorizationService>().AuthorizeAsync(user, context, policy).ConfigureAwait(false);
        return result.Succeeded;
    }

    private async Task StreamResultsAsync(
        HubConnectionContext connection,
        HubMethodInvocationMessage message,
        IAsyncEnumerable<object?> items,
        CancellationTokenSource cts,
        IUploadStream[]? streams,
        AsyncServiceScope scope,
        THub hub,
        bool created)
    {
        var id = message.InvocationId!;
        string? error = null;
        try
        {
            await foreach (var item in items.ConfigureAwait(false))
            {
                // Once cancelled (CancelInvocation, the end of the connection), items the method still produces are
                // not sent, as on the official server (observed): the stream ends with its Completion.
                if (cts.IsCancellationRequested)
                {
                    break;
                }

                await connection.WriteAsync(new StreamItemMessage(id, item)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            // Cancelled by the client (CancelInvocation) or by the end of the connection.
        }
        catch (Exception ex)
        {
            HubLog.InvocationFailed(_logger, id, ex);
            error = HubErrors.StreamFailed(ex, EnableDetailedErrors);
        }
        finally
        {
            // Like every other invocation: its cancellation and its uploads end with it (an upload the method stopped
            // reading would otherwise fill its buffer and stall the connection's read loop).
            EndInvocation(connection, message, cts, streams);
            ReleaseHub(scope.ServiceProvider, hub, created);
            await scope.DisposeAsync().ConfigureAwait(false);
        }

        await connection.WriteAsync(error is null ? CompletionMessage.Empty(id) : CompletionMessage.WithError(id, error)).ConfigureAwait(false);
    }

    private static void EndInvocation(HubConnectionContext connection, HubMethodInvocationMessage message, CancellationTokenSource? cts, IUploadStream[]? streams)
    {
        var invocations = connection.Invocations!;
        if (cts is not null)
        {
            invocations.Active.TryRemove(KeyValuePair.Create(message.InvocationId!, cts));
            cts.Dispose();
        }

        if (streams is not null)
        {
            // Later StreamItem/Completion messages for these ids are ignored.
            for (var i = 0; i < streams.Length; i++)
            {
                // Only this invocation's own stream: a later invocation may have taken the id over.
                invocations.Streams.TryRemove(KeyValuePair.Create(message.StreamIds![i], streams[i]));
                streams[i].Complete();
            }
        }
    }

    private static object?[] BuildArguments(HubMethodDescriptor descriptor, object?[] wireArguments, IServiceProvider services, CancellationToken cancellationToken, IUploadStream[]? streams)
    {
        var sources = descriptor.Sources;
        if (wireArguments.Length == sources.Length)
        {
            // Every parameter comes from the wire: the parser's array is used as is.
            return wireArguments;
        }

        var arguments = new object?[sources.Length];
        int wire = 0, stream = 0;
        for (var i = 0; i < sources.Length; i++)
        {
            arguments[i] = sources[i] switch
            {
                HubParameterSource.Wire => wireArguments[wire++],
                HubParameterSource.CancellationToken => cancellationToken,
                HubParameterSource.Services => services.GetRequiredService(descriptor.ParameterTypes[i]),
                HubParameterSource.KeyedServices => services.GetRequiredKeyedService(descriptor.ParameterTypes[i], descriptor.ServiceKeys[i]),
                HubParameterSource.UploadStream => streams![stream++].ParameterValue,
                _ => throw new InvalidOperationException(),
            };
        }

        return arguments;
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

        hub.Clients = connection.CallerClients!;
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

    /// <summary>A queued invocation; reused by the next invocation of its connection once it finished synchronously.</summary>
    private sealed class Invocation : QueuedInvocation
    {
        private HubDispatcher<THub>? _dispatcher;
        private HubConnectionContext? _connection;
        private HubMethodInvocationMessage? _message;
        private HubMethodDescriptor? _descriptor;
        private CancellationTokenSource? _cts;
        private IUploadStream[]? _streams;

        /// <summary>The completion written by the synchronous fast path; see <see cref="CompletionMessage.Reuse"/>.</summary>
        public CompletionMessage Completion { get; } = CompletionMessage.Empty("");

        public void Set(HubDispatcher<THub> dispatcher, HubConnectionContext connection, HubMethodInvocationMessage message, HubMethodDescriptor descriptor, CancellationTokenSource? cts, IUploadStream[]? streams)
        {
            _dispatcher = dispatcher;
            _connection = connection;
            _message = message;
            _descriptor = descriptor;
            _cts = cts;
            _streams = streams;
        }

        protected override ValueTask RunAsync() => _dispatcher!.InvokeAsync(_connection!, _message!, _descriptor!, _cts, _streams, this);

        protected override void Clear()
        {
            _dispatcher = null;
            _connection = null;
            _message = null;
            _descriptor = null;
            _cts = null;
            _streams = null;
        }
    }
}
