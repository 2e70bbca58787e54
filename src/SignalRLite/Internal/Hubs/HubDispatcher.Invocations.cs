using SignalRLite.Internal.Diagnostics;
using SignalRLite.Protocol;

namespace SignalRLite.Internal.Hubs;

// From a parsed invocation to the connection's scheduler: validation, cancellation and upload-stream registration.
internal sealed partial class HubDispatcher<THub>
{
    private const int MaxInvocationIdLength = 1024;

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
            Metrics.InvocationEnded(HubName, SignalRLiteMetrics.OtherMethod, InvocationOutcome.UnknownMethod, start: 0);
            return id is null
                ? default
                : connection.WriteAsync(CompletionMessage.WithError(id, HubErrors.BindingFailed(message.Target, new HubException(HubErrors.MethodDoesNotExist), EnableDetailedErrors)));
        }

        if (descriptor.IsStreamingMethod != isStreamInvocation)
        {
            Metrics.InvocationEnded(HubName, descriptor.Name, InvocationOutcome.BindingFailure, start: 0);
            return id is null
                ? default
                : connection.WriteAsync(CompletionMessage.WithError(id, descriptor.IsStreamingMethod
                    ? HubErrors.StreamingMethodCalledWithInvocation(message.Target)
                    : HubErrors.NonStreamingMethodCalledWithStreamInvocation(message.Target)));
        }

        var streamIds = message.StreamIds ?? [];
        if (streamIds.Length != descriptor.UploadStreamFactories.Length)
        {
            Metrics.InvocationEnded(HubName, descriptor.Name, InvocationOutcome.BindingFailure, start: 0);
            var ex = new InvalidDataException($"Invocation provides {streamIds.Length} stream(s) but target expects {descriptor.UploadStreamFactories.Length}.");
            return id is null
                ? default
                : connection.WriteAsync(CompletionMessage.WithError(id, HubErrors.BindingFailed(message.Target, ex, EnableDetailedErrors)));
        }

        var invocations = connection.GetInvocations();
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
                streams[i].MethodName = descriptor.Name;
                invocations.AddStream(streamIds[i], streams[i]);
            }
        }

        var scheduler = invocations.Scheduler;
        var invocation = scheduler.TakeSpare<Invocation>() ?? new Invocation();
        invocation.Set(this, connection, message, descriptor, cts, streams);
        if (streams is not null)
        {
            scheduler.StartOutsideLimit(invocation);
            return default;
        }

        if (TryRunOnReadLoop(connection, descriptor, invocation))
        {
            return default;
        }

        var queueFull = scheduler.Enqueue(invocation);
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


    /// <summary>An invocation of this hub as the scheduler runs it; reused by the next invocation of its connection once it finished synchronously.</summary>
    /// <summary>
    /// The end of a failed invocation, on every path: logged, and answered with an error completion when its caller
    /// waits for one (the stream error text for a streaming method, the invocation error text otherwise).
    /// </summary>
    private ValueTask AnswerFailureAsync(HubConnectionContext connection, HubMethodInvocationMessage message, HubMethodDescriptor descriptor, Exception ex)
    {
        HubLog.InvocationFailed(_logger, descriptor.Name, ex);
        if (message.InvocationId is not { } id)
        {
            return default;
        }

        var error = descriptor.IsStreamingMethod
            ? HubErrors.StreamFailed(ex, EnableDetailedErrors)
            : HubErrors.InvocationFailed(message.Target, ex, EnableDetailedErrors);
        return connection.WriteAsync(CompletionMessage.WithError(id, error));
    }

    private sealed class Invocation : QueuedInvocation
    {
        private HubDispatcher<THub>? _dispatcher;
        private HubConnectionContext? _connection;
        private HubMethodInvocationMessage? _message;
        private HubMethodDescriptor? _descriptor;
        private CancellationTokenSource? _cts;
        private IUploadStream[]? _streams;

        /// <summary>Only for <see cref="WriteCompletion"/> (HubDispatcher.InlinePath.cs, invariant 7).</summary>
        private readonly CompletionMessage _completion = CompletionMessage.Empty("");

        /// <summary>Writes a Completion with <paramref name="result"/> through this work item's own message object.</summary>
        public ValueTask WriteCompletion(HubConnectionContext connection, string id, object? result, bool flush)
        {
            _completion.Reuse(id, result, hasResult: true);
            try
            {
                return connection.WriteAsync(_completion, flush);
            }
            finally
            {
                _completion.Reuse("", null, hasResult: false);
            }
        }

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
