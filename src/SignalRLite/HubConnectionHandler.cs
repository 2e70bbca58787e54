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
public class HubConnectionHandler<THub> : ConnectionHandler where THub : Hub
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
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var hubConnection = new HubConnectionContext(connection, _contextOptions, _loggerFactory, _heartbeat.TimeProvider)
        {
            Metrics = _dispatcher.Metrics,
            MetricsHubName = _dispatcher.MetricsHubName,
        };
        hubConnection.StartHandshakeTimer(_handshakeTimeout);
        _heartbeat.Add(hubConnection);
        try
        {
            if (!await HandshakeAsync(hubConnection).ConfigureAwait(false))
            {
                await hubConnection.CompleteOutputAsync(null, CloseWriteTimeout).ConfigureAwait(false);
                return;
            }

            await RunHubAsync(hubConnection).ConfigureAwait(false);
        }
        finally
        {
            _heartbeat.Remove(hubConnection);
            hubConnection.ReleaseReplayBuffer();
            hubConnection.CancelAborted();
            await connection.Transport.Input.CompleteAsync().ConfigureAwait(false);
        }
    }

    private async Task RunHubAsync(HubConnectionContext connection)
    {
        connection.UserIdentifier = _userIdProvider.GetUserId(connection);
        _dispatcher.InitializeConnection(connection);
        await _lifetimeManager.OnConnectedAsync(connection).ConfigureAwait(false);

        Exception? disconnectError = null;
        var connected = false;
        try
        {
            try
            {
                // The user's durable groups are joined before the hub's OnConnectedAsync runs, so it can send to them.
                if (_userGroups is not null)
                {
                    await _userGroups.OnConnectedAsync(connection).ConfigureAwait(false);
                }

                await _dispatcher.OnConnectedAsync(connection).ConfigureAwait(false);
                connected = true;
            }
            catch (Exception ex)
            {
                // No invocation is processed, and (as with the official server) no disconnected callback runs, for a
                // connection whose connected callback failed.
                HubLog.OnConnectedFailed(_logger, connection.ConnectionId, ex);
                await connection.CompleteOutputAsync(new CloseMessage(HubErrors.ConnectionClosed(ex, _enableDetailedErrors), allowReconnect: false), CloseWriteTimeout).ConfigureAwait(false);
                return;
            }

            (var close, disconnectError) = await DispatchMessagesAsync(connection).ConfigureAwait(false);
            await connection.CompleteOutputAsync(close, CloseWriteTimeout).ConfigureAwait(false);
        }
        finally
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
    }

    /// <summary>Reads until the connection ends. Returns the Close message to send (if any) and the error to report to <c>OnDisconnectedAsync</c>.</summary>
    private async Task<(CloseMessage? Close, Exception? Error)> DispatchMessagesAsync(HubConnectionContext connection)
    {
        var input = connection.ConnectionContext.Transport.Input;
        var protocol = connection.Protocol;
        var binder = new HubConnectionBinder<THub>(_dispatcher.Methods, _lifetimeManager, connection);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // The transport failed (abrupt loss): nothing can be sent any more.
                return (null, ex);
            }

            var buffer = result.Buffer;
            try
            {
                if (result.IsCanceled)
                {
                    break;
                }

                if (!buffer.IsEmpty)
                {
                    connection.MessageReceived();
                    var parsed = 0;
                    while (TryParseMessage(protocol, ref buffer, binder, out var message))
                    {
                        parsed++;
                        if (message is CloseMessage clientClose)
                        {
                            return (CloseMessage.Empty, clientClose.Error is null ? null : new HubException(clientClose.Error));
                        }

                        if (message is not null && connection.Replay is { } replay && !AcceptSequenced(connection, replay, message))
                        {
                            continue;
                        }

                        if (message is not null)
                        {
                            var dispatch = _dispatcher.DispatchMessageAsync(connection, message);
                            if (!dispatch.IsCompletedSuccessfully)
                            {
                                // Waiting (a full upload-stream buffer) is not the client's silence.
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
                        }
                    }

                    _dispatcher.Metrics.Messages(_dispatcher.MetricsHubName, protocol.Name, inbound: true, parsed);
                    connection.TrySendAck();
                }

                if (result.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                    {
                        var ex = new InvalidDataException("Connection terminated while reading a message.");
                        return (null, ex);
                    }

                    return (null, null);
                }
            }
            catch (MessageTooLargeException ex)
            {
                HubLog.ClosingWithError(_logger, connection.ConnectionId, ex);
                var error = new InvalidDataException(ex.Message);
                return (ProtocolErrorClose(error), error);
            }
            catch (SignalRLite.Internal.RateLimiting.HubRateLimitCloseException ex)
            {
                // A rate limit policy with the Close action (HubDispatcher.RateLimits.cs): its own text, no reconnect.
                return (new CloseMessage(ex.Message, allowReconnect: false), ex);
            }
            catch (OperationCanceledException) when (connection.CloseReason != HubConnectionCloseReason.None)
            {
                // Closing was requested while the reader waited (for example on a full upload stream).
                break;
            }
            catch (Exception ex)
            {
                HubLog.ClosingWithError(_logger, connection.ConnectionId, ex);
                return (ProtocolErrorClose(ex), ex);
            }
            finally
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }

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

    private async Task<bool> HandshakeAsync(HubConnectionContext connection)
    {
        var input = connection.ConnectionContext.Transport.Input;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                return false;
            }

            var buffer = result.Buffer;
            var consumed = buffer.Start;
            var examined = buffer.End;
            try
            {
                if (result.IsCanceled)
                {
                    if (connection.CloseReason == HubConnectionCloseReason.HandshakeTimeout)
                    {
                        await FailHandshakeAsync(connection, HubErrors.HandshakeCanceled, HandshakeFailureReason.Timeout).ConfigureAwait(false);
                    }

                    return false;
                }

                if (!buffer.IsEmpty)
                {
                    var segment = _maximumMessageSize is { } max && buffer.Length > max ? buffer.Slice(0, max) : buffer;
                    if (HandshakeProtocol.TryParseRequestMessage(ref segment, out var request))
                    {
                        // Bytes after the terminator stay in the pipe for the read loop.
                        consumed = examined = segment.Start;
                        return await CompleteHandshakeAsync(connection, request).ConfigureAwait(false);
                    }

                    if (segment.Length < buffer.Length)
                    {
                        throw new InvalidDataException(HubErrors.MessageTooLarge(_maximumMessageSize!.Value));
                    }
                }

                if (result.IsCompleted)
                {
                    return false;
                }
            }
            catch (InvalidDataException ex)
            {
                HubLog.HandshakeFailed(_logger, connection.ConnectionId, ex.Message);
                await FailHandshakeAsync(connection, HubErrors.HandshakeFailedText(ex, _enableDetailedErrors), HandshakeFailureReason.Malformed).ConfigureAwait(false);
                return false;
            }
            finally
            {
                input.AdvanceTo(consumed, examined);
            }
        }
    }

    private async Task<bool> CompleteHandshakeAsync(HubConnectionContext connection, HandshakeRequestMessage request)
    {
        if (_protocolResolver.GetProtocol(request.Protocol, _supportedProtocols) is not { } protocol)
        {
            await FailHandshakeAsync(connection, HubErrors.ProtocolNotSupported(request.Protocol), HandshakeFailureReason.UnsupportedProtocol).ConfigureAwait(false);
            return false;
        }

        if (!protocol.IsVersionSupported(request.Version))
        {
            await FailHandshakeAsync(connection, HubErrors.VersionNotSupported(request.Protocol, request.Version), HandshakeFailureReason.UnsupportedVersion).ConfigureAwait(false);
            return false;
        }

        var format = connection.Features.Get<ITransferFormatFeature>();
        if (format is not null)
        {
            if (protocol.TransferFormat == TransferFormat.Binary && (format.SupportedFormats & TransferFormat.Binary) == 0)
            {
                await FailHandshakeAsync(connection, HubErrors.TransferFormatNotSupported(protocol.Name), HandshakeFailureReason.TransferFormat).ConfigureAwait(false);
                return false;
            }

            format.ActiveFormat = protocol.TransferFormat;
        }

        connection.Protocol = protocol;
        if (connection.Features.Get<IStatefulReconnectFeature>() is { } reconnect)
        {
            // Version 2 adds Ack and Sequence; a version-1 client never gets them and cannot reattach.
            if (request.Version >= 2)
            {
                connection.EnableStatefulReconnect(reconnect);
            }
            else
            {
                reconnect.DisableReconnect();
            }
        }

        await connection.WriteHandshakeResponseAsync(HandshakeResponseMessage.Empty).ConfigureAwait(false);
        connection.HandshakeCompleted();
        HubLog.HandshakeComplete(_logger, connection.ConnectionId, protocol.Name, request.Version);
        return true;
    }

    private async Task FailHandshakeAsync(HubConnectionContext connection, string error, HandshakeFailureReason reason)
    {
        HubLog.HandshakeFailed(_logger, connection.ConnectionId, error);
        _dispatcher.Metrics.HandshakeFailed(_dispatcher.MetricsHubName, reason);
        await connection.WriteHandshakeResponseAsync(new HandshakeResponseMessage(error)).ConfigureAwait(false);
    }

    private sealed class MessageTooLargeException(string message) : Exception(message);
}
