using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using SignalRLite.Internal.Diagnostics;
using SignalRLite.Internal.Hubs;
using SignalRLite.Internal.Connections;
using SignalRLite.Protocol;

namespace SignalRLite;

// The handshake of a hub connection (HubProtocol.md, "Handshake"): the first message the client sends, before the read
// loop of HubConnectionHandler.cs starts. Bytes after the handshake request stay in the input for the read loop.
public partial class HubConnectionHandler<THub>
{
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
}
