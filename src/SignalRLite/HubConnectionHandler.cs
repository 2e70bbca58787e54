using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SignalRLite.Internal.Diagnostics;
using SignalRLite.Internal.Hubs;
using SignalRLite.Internal.Connections;
using SignalRLite.Protocol;

namespace SignalRLite;

/// <summary>
/// Runs the hub layer on one connection of the connection layer: handshake, then the read loop that dispatches hub
/// messages, until the client leaves, breaks the protocol, times out or is aborted.
/// </summary>
/// <remarks>The handshake is in HubConnectionHandler.Handshake.cs.</remarks>
public partial class HubConnectionHandler<THub> : ConnectionHandler where THub : Hub
{
    private static readonly TimeSpan CloseWriteTimeout = TimeSpan.FromSeconds(5);

    private readonly HubLifetimeManager<THub> _lifetimeManager;
    private readonly IUserIdProvider _userIdProvider;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly HubDispatcher<THub> _dispatcher;
    private readonly SignalRLite.Internal.Groups.UserGroups<THub>? _userGroups;
    private readonly HubConnectionHeartbeat _heartbeat;
    private readonly IHubProtocolResolver _protocolResolver;
    private readonly IReadOnlyList<string>? _supportedProtocols;
    private readonly HubConnectionContextOptions _contextOptions;
    private readonly TimeSpan _handshakeTimeout;
    private readonly long? _maximumMessageSize;
    private readonly bool _enableDetailedErrors;

    /// <summary>Creates the handler; resolved from DI by <c>MapHub&lt;THub&gt;</c>.</summary>
    public HubConnectionHandler(
        HubLifetimeManager<THub> lifetimeManager,
        IHubProtocolResolver protocolResolver,
        IOptions<HubOptions> globalHubOptions,
        IOptions<HubOptions<THub>> hubOptions,
        ILoggerFactory loggerFactory,
        IUserIdProvider userIdProvider,
        IServiceScopeFactory serviceScopeFactory)
    {
        _lifetimeManager = lifetimeManager;
        _protocolResolver = protocolResolver;
        _userIdProvider = userIdProvider;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<HubConnectionHandler<THub>>();

        // Both are singletons: a scope only gives access to them (the root provider is not a parameter of this
        // constructor, which mirrors the official one).
        using (var scope = serviceScopeFactory.CreateScope())
        {
            _dispatcher = scope.ServiceProvider.GetRequiredService<HubDispatcher<THub>>();
            _heartbeat = scope.ServiceProvider.GetRequiredService<HubConnectionHeartbeat>();

            // Presence (when AddHubPresence was called) attaches itself to the lifetime manager when created: now, before
            // the first connection, so that a misconfiguration fails at MapHub rather than at the first query.
            _ = scope.ServiceProvider.GetService<IHubPresence<THub>>();
            _userGroups = scope.ServiceProvider.GetService<SignalRLite.Internal.Groups.UserGroups<THub>>();
        }

        var options = HubOptionsResolver.Resolve(globalHubOptions.Value, hubOptions.Value);
        _supportedProtocols = options.SupportedProtocols is { } supported ? [.. supported] : null;
        _handshakeTimeout = options.HandshakeTimeout ?? HubOptionsDefaults.HandshakeTimeout;
        _maximumMessageSize = options.MaximumReceiveMessageSize;
        _enableDetailedErrors = options.EnableDetailedErrors ?? false;
        _contextOptions = new HubConnectionContextOptions
        {
            KeepAliveInterval = options.KeepAliveInterval ?? HubOptionsDefaults.KeepAliveInterval,
            ClientTimeoutInterval = options.ClientTimeoutInterval ?? HubOptionsDefaults.ClientTimeoutInterval,
            StreamBufferCapacity = options.StreamBufferCapacity ?? HubOptionsDefaults.StreamBufferCapacity,
            MaximumReceiveMessageSize = options.MaximumReceiveMessageSize,
            MaximumParallelInvocations = options.MaximumParallelInvocationsPerClient,
            StatefulReconnectBufferSize = options.StatefulReconnectBufferSize,
            MaximumQueuedMessages = options.MaximumQueuedMessagesPerClient,
        };

        _heartbeat.EnsureResolution(_handshakeTimeout);
        _heartbeat.EnsureResolution(_contextOptions.KeepAliveInterval);
        _heartbeat.EnsureResolution(_contextOptions.ClientTimeoutInterval);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The read loop is inline here, not in a method of its own: an idle connection parks one async method of the hub
    /// layer (this one, on the input's read), where nested awaits would keep one state machine per level alive. What
    /// runs before the loop (handshake, registration, the hub's OnConnectedAsync), after it (the disconnected callbacks,
    /// <see cref="EndAsync"/>) and the rare wait inside it (<see cref="WaitForDispatchAsync"/>) is in helper methods
    /// whose state machines are gone by the time the connection idles. The loop keeps across its awaits only what it
    /// needs there (the buffer and its completion flag, not the whole <see cref="ReadResult"/>; the end as two locals,
    /// not a nullable tuple): every local kept across an await is a field of the state machine each idle connection holds.
    /// </remarks>
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var hubConnection = new HubConnectionContext(connection, _contextOptions, _loggerFactory, _heartbeat.TimeProvider)
        {
            Metrics = _dispatcher.Metrics,
            MetricsHubName = _dispatcher.MetricsHubName,
        };
        hubConnection.StartHandshakeTimer(_handshakeTimeout);
        _heartbeat.Add(hubConnection);
        var registered = false; // the lifetime manager knows the connection: the disconnected callbacks must run
        var connected = false; // the hub's OnConnectedAsync succeeded: invocations are processed
        Exception? disconnectError = null;
        try
        {
            if (!await HandshakeAsync(hubConnection).ConfigureAwait(false))
            {
                await hubConnection.CompleteOutputAsync(null, CloseWriteTimeout).ConfigureAwait(false);
                return;
            }

            await RegisterAsync(hubConnection).ConfigureAwait(false);
            registered = true;
            connected = await ConnectHubAsync(hubConnection).ConfigureAwait(false);
            if (!connected)
            {
                return;
            }

            // The read loop: until the connection ends. Sets `ended`, with the Close message to send (if any) in
            // `endClose` and the error to report to OnDisconnectedAsync in `disconnectError`.
            var input = connection.Transport.Input;
            HubConnectionBinder<THub>? binder = null; // created with the first message: a connection idle since its handshake has none
            CloseMessage? endClose = null;
            var ended = false;
            while (!ended)
            {
                ReadResult result;
                try
                {
                    result = await input.ReadAsync().ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    // The transport failed (abrupt loss): nothing can be sent any more.
                    disconnectError = ex;
                    break;
                }

                var buffer = result.Buffer;
                var completed = result.IsCompleted;
                try
                {
                    if (result.IsCanceled)
                    {
                        (endClose, disconnectError) = CloseFor(hubConnection);
                        break;
                    }

                    if (!buffer.IsEmpty)
                    {
                        hubConnection.MessageReceived();
                        binder ??= new HubConnectionBinder<THub>(_dispatcher.Methods, _lifetimeManager, hubConnection);
                        var parsed = 0;
                        while (!ended && TryParseMessage(hubConnection.Protocol, ref buffer, binder, out var message))
                        {
                            parsed++;
                            if (message is CloseMessage clientClose)
                            {
                                (ended, endClose, disconnectError) = (true, CloseMessage.Empty, clientClose.Error is null ? null : new HubException(clientClose.Error));
                            }
                            else if (message is not null && (hubConnection.Replay is not { } replay || AcceptSequenced(hubConnection, replay, message)))
                            {
                                var dispatch = _dispatcher.DispatchMessageAsync(hubConnection, message);
                                if (!dispatch.IsCompletedSuccessfully)
                                {
                                    await WaitForDispatchAsync(hubConnection, dispatch).ConfigureAwait(false);
                                }
                            }
                        }

                        // One flush for the Completions of every invocation this batch ran on the read loop
                        // (HubDispatcher.InlinePath.cs): a pipelining client gets them in one message.
                        hubConnection.FlushDeferredWrites();
                        if (ended)
                        {
                            break;
                        }

                        _dispatcher.Metrics.Messages(_dispatcher.MetricsHubName, hubConnection.Protocol.Name, inbound: true, parsed);
                        hubConnection.TrySendAck();
                    }

                    if (completed)
                    {
                        ended = true;
                        disconnectError = buffer.IsEmpty ? null : new InvalidDataException("Connection terminated while reading a message.");
                    }
                }
                catch (MessageTooLargeException ex)
                {
                    HubLog.ClosingWithError(_logger, hubConnection.ConnectionId, ex);
                    var error = new InvalidDataException(ex.Message);
                    (ended, endClose, disconnectError) = (true, ProtocolErrorClose(error), error);
                }
                catch (SignalRLite.Internal.RateLimiting.HubRateLimitCloseException ex)
                {
                    // A rate limit policy with the Close action (HubDispatcher.RateLimits.cs): its own text, no reconnect.
                    (ended, endClose, disconnectError) = (true, new CloseMessage(ex.Message, allowReconnect: false), ex);
                }
                catch (OperationCanceledException) when (hubConnection.CloseReason != HubConnectionCloseReason.None)
                {
                    // Closing was requested while the reader waited (for example on a full upload stream).
                    ended = true;
                    (endClose, disconnectError) = CloseFor(hubConnection);
                }
                catch (Exception ex)
                {
                    HubLog.ClosingWithError(_logger, hubConnection.ConnectionId, ex);
                    (ended, endClose, disconnectError) = (true, ProtocolErrorClose(ex), ex);
                }
                finally
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                }
            }

            await hubConnection.CompleteOutputAsync(endClose, CloseWriteTimeout).ConfigureAwait(false);
        }
        finally
        {
            await EndAsync(hubConnection, registered, connected, disconnectError).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A dispatch that must be waited for (a full upload-stream buffer), off the read loop's own method: this rare await
    /// then shares the loop's Task awaiter instead of adding a ValueTask awaiter to the state machine of every connection.
    /// </summary>
    private static async Task WaitForDispatchAsync(HubConnectionContext connection, ValueTask dispatch)
    {
        // Waiting (a full upload-stream buffer) is not the client's silence; what was answered so far goes out first.
        connection.FlushDeferredWrites();
        connection.ReaderPaused(true);
        try
        {
            await dispatch.ConfigureAwait(false);
        }
        finally
        {
            connection.ReaderPaused(false);
        }
    }

    /// <summary>The end of every connection: the disconnected callbacks when it was registered, then the hub layer lets go of it.</summary>
    private async Task EndAsync(HubConnectionContext connection, bool registered, bool connected, Exception? disconnectError)
    {
        try
        {
            if (registered)
            {
                await DisconnectAsync(connection, connected, disconnectError).ConfigureAwait(false);
            }
        }
        finally
        {
            _heartbeat.Remove(connection);
            connection.ReleaseReplayBuffer();
            connection.CancelAborted();
            await connection.ConnectionContext.Transport.Input.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>After the handshake: the user id, the dispatcher's per-connection state, the lifetime manager.</summary>
    private Task RegisterAsync(HubConnectionContext connection)
    {
        connection.UserIdentifier = _userIdProvider.GetUserId(connection);
        _dispatcher.InitializeConnection(connection);
        return _lifetimeManager.OnConnectedAsync(connection);
    }

    /// <summary>
    /// Joins the user's durable groups and runs the hub's OnConnectedAsync. On failure, sends the Close and returns
    /// false: as with the official server, no invocation is processed and no disconnected callback of the hub runs.
    /// </summary>
    private async Task<bool> ConnectHubAsync(HubConnectionContext connection)
    {
        try
        {
            // The user's durable groups are joined before the hub's OnConnectedAsync runs, so it can send to them.
            if (_userGroups is not null)
            {
                await _userGroups.OnConnectedAsync(connection).ConfigureAwait(false);
            }

            await _dispatcher.OnConnectedAsync(connection).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex)
        {
            HubLog.OnConnectedFailed(_logger, connection.ConnectionId, ex);
            await connection.CompleteOutputAsync(new CloseMessage(HubErrors.ConnectionClosed(ex, _enableDetailedErrors), allowReconnect: false), CloseWriteTimeout).ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>The end of a registered connection: the hub's disconnected callback (if it connected), then the lifetime manager's.</summary>
    private async Task DisconnectAsync(HubConnectionContext connection, bool connected, Exception? disconnectError)
    {
        // Running invocations see ConnectionAborted before the disconnected callback runs.
        connection.CancelAborted();
        if (connected)
        {
            try
            {
                await _dispatcher.OnDisconnectedAsync(connection, disconnectError).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                HubLog.OnDisconnectedFailed(_logger, connection.ConnectionId, ex);
            }
        }
        else
        {
            _dispatcher.AbandonConnection(connection);
        }

        await _lifetimeManager.OnDisconnectedAsync(connection).ConfigureAwait(false);
    }

    /// <summary>The read loop stopped because closing was requested: the Close to send and the error to report, by reason.</summary>
    private (CloseMessage? Close, Exception? Error) CloseFor(HubConnectionContext connection)
    {
        switch (connection.CloseReason)
        {
            case HubConnectionCloseReason.ClientTimeout:
                HubLog.ClientTimeout(_logger, connection.ConnectionId);
                var timeout = new TimeoutException($"The client sent nothing within the ClientTimeoutInterval of {_contextOptions.ClientTimeoutInterval}.");
                // A timeout is transient: clients with automatic reconnect may come back.
                return (new CloseMessage(HubErrors.ConnectionClosed(timeout, _enableDetailedErrors), allowReconnect: true), timeout);
            case HubConnectionCloseReason.AuthenticationExpired:
                // As the official server: no error, and the client may reconnect (with a fresh token).
                HubLog.AuthenticationExpired(_logger, connection.ConnectionId);
                return (new CloseMessage(null, allowReconnect: true), null);
            case HubConnectionCloseReason.TransportFailed:
                return (null, new IOException("Writing to the transport failed."));
            case HubConnectionCloseReason.SlowClient:
                return (null, new IOException("The client was closed as a slow consumer: it read nothing while its queue of messages overflowed."));
            case HubConnectionCloseReason.Requested:
                return (connection.RequestedClose ?? CloseMessage.Empty, null);
            default:
                return (CloseMessage.Empty, null);
        }
    }

    /// <summary>
    /// The Close for a protocol error or an oversize message: as on the official server (observed), the generic text
    /// (the cause only with detailed errors) and <c>allowReconnect</c>.
    /// </summary>
    private CloseMessage ProtocolErrorClose(Exception ex) => new(HubErrors.ConnectionClosed(ex, _enableDetailedErrors), allowReconnect: true);

    /// <summary>
    /// Stateful reconnect bookkeeping of a received message (HubProtocol.md, "Ack" and "Sequence"): Ack and Sequence are consumed here;
    /// a trackable message is numbered by counting and dropped if the client replayed it after a reattach.
    /// </summary>
    private bool AcceptSequenced(HubConnectionContext connection, ReplayBuffer replay, HubMessage message)
    {
        switch (message)
        {
            case AckMessage ack:
                if (!replay.Ack(ack.SequenceId))
                {
                    HubLog.AckIgnored(_logger, connection.ConnectionId, ack.SequenceId);
                }

                return false;
            case SequenceMessage sequence:
                replay.OnSequence(sequence.SequenceId);
                return false;
            case HubInvocationMessage or StreamBindingFailureMessage:
                return replay.ShouldProcess();
            default:
                return true;
        }
    }

    private bool TryParseMessage(IHubProtocol protocol, ref ReadOnlySequence<byte> buffer, IInvocationBinder binder, out HubMessage? message)
    {
        if (_maximumMessageSize is not { } max || buffer.Length <= max)
        {
            return protocol.TryParseMessage(ref buffer, binder, out message);
        }

        // The first message must be complete within the limit: for JSON up to its terminator, for a framed protocol
        // its prefix and body.
        var segment = buffer.Slice(0, max);
        if (protocol.TryParseMessage(ref segment, binder, out message))
        {
            buffer = buffer.Slice(segment.Start);
            return true;
        }

        throw new MessageTooLargeException(HubErrors.MessageTooLarge(max));
    }

    private sealed class MessageTooLargeException(string message) : Exception(message);
}
