using System.Diagnostics;
using Microsoft.AspNetCore.Connections.Features;
using SignalRLite.Internal.Connections;
using SignalRLite.Protocol;

namespace SignalRLite.Internal.Hubs;

/// <summary>
/// Whether a hub connection is alive: the handshake deadline, keep-alive pings, the client timeout and the expiry of
/// the authentication ticket. Driven by the shared <see cref="HubConnectionHeartbeat"/>; time comes only from the
/// injected <see cref="TimeProvider"/> (the heartbeat's own, so that its timestamps and these compare).
/// </summary>
/// <remarks>
/// <para>
/// No lock: every field has a single writer and is published with <see cref="Volatile"/>. The read loop writes
/// <see cref="_lastReceive"/>, <see cref="_pingReceived"/> and <see cref="_readerPaused"/>; the handler writes the
/// phase and what the handshake settled (before <see cref="_phase"/> says <see cref="Phase.Running"/>, which publishes
/// them); the heartbeat only reads, and acts through <see cref="HubConnectionContext.RequestClose(HubConnectionCloseReason)"/> (first reason wins)
/// and the writer's never-waiting <see cref="HubConnectionWriter.TrySendPing"/>.
/// </para>
/// <para>Invariants (checked by <see cref="AssertInvariants"/>):</para>
/// <list type="number">
/// <item>L1. The phase only moves forward: Idle, then Handshake, then Running.</item>
/// <item>L2. In Running, the ping bytes are set: the heartbeat may send them.</item>
/// </list>
/// </remarks>
internal sealed class HubConnectionLiveness
{
    private enum Phase
    {
        /// <summary>Built without a handler (no handshake): nothing to watch.</summary>
        Idle,
        Handshake,
        Running,
    }

    private readonly HubConnectionContext _connection;
    private readonly HubConnectionWriter _writer;
    private readonly TimeProvider _time;
    private readonly long _keepAlive;      // in timestamp units
    private readonly long _clientTimeout;  // in timestamp units
    private int _phase;
    private long _handshakeDeadline;
    private long _lastReceive;
    private bool _inherentKeepAlive;
    private bool _pingReceived;
    private bool _readerPaused;
    private IAuthenticationExpirationFeature? _authenticationExpiration; // null: the connection does not close on expiry
    private byte[]? _pingBytes; // the protocol's Ping, shared by its connections (see PingBytes)

    // One serialised Ping per protocol instance, not one array per connection (an idle connection keeps its liveness for
    // its whole life). Weak keys: a protocol made for one connection by a custom resolver takes its entry with it.
    // ConditionalWeakTable is thread-safe; two connections racing to add the first entry both get the winner's array.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IHubProtocol, byte[]> s_pings = new();

    public HubConnectionLiveness(HubConnectionContext connection, HubConnectionWriter writer, TimeProvider time, HubConnectionContextOptions options)
    {
        _connection = connection;
        _writer = writer;
        _time = time;
        _keepAlive = ToTimestampUnits(options.KeepAliveInterval);
        _clientTimeout = ToTimestampUnits(options.ClientTimeoutInterval);
        _lastReceive = time.GetTimestamp();
    }

    /// <summary>The connection's clock (the heartbeat's).</summary>
    public TimeProvider Time => _time;

    public void StartHandshakeTimer(TimeSpan timeout)
    {
        Debug.Assert(Volatile.Read(ref _phase) == (int)Phase.Idle, "The handshake starts once, first (L1).");
        Volatile.Write(ref _handshakeDeadline, _time.GetTimestamp() + Math.Max(1, ToTimestampUnits(timeout)));
        Volatile.Write(ref _phase, (int)Phase.Handshake);
        AssertInvariants();
    }

    /// <summary>The handshake succeeded: from now on keep-alive, client timeout and authentication expiry apply.</summary>
    public void HandshakeCompleted(IHubProtocol protocol)
    {
        Debug.Assert(Volatile.Read(ref _phase) != (int)Phase.Running, "The handshake completes once (L1).");
        var features = _connection.Features;
        // A transport with inherent keep-alive (Long Polling: the polls themselves) gets no pings.
        _inherentKeepAlive = features.Get<IConnectionInherentKeepAliveFeature>()?.HasInherentKeepAlive == true;
        // Read again at every tick: an authentication refresh moves the expiry (the feature publishes it itself).
        _authenticationExpiration = features.Get<IAuthenticationExpirationFeature>() is { CloseOnExpiration: true } expiration ? expiration : null;
        _pingBytes = PingBytes(protocol);
        Volatile.Write(ref _lastReceive, _time.GetTimestamp());
        // Last: the volatile write publishes the fields above to the heartbeat, which reads the phase first.
        Volatile.Write(ref _phase, (int)Phase.Running);
        AssertInvariants();
    }

    public void MessageReceived() => Volatile.Write(ref _lastReceive, _time.GetTimestamp());

    /// <summary>
    /// The client sent a Ping: this arms the client timeout, on every transport, as on the official server (observed:
    /// a WebSocket client that sends nothing, or only invocations, is never timed out there). The official clients ping
    /// within their keep-alive interval on WebSockets and SSE, so for them the timeout runs from the start; on Long
    /// Polling they send none, and the connection layer ends a client that stops polling.
    /// </summary>
    public void PingReceived()
    {
        if (!_pingReceived)
        {
            Volatile.Write(ref _pingReceived, true);
        }
    }

    /// <summary>The read loop stops or resumes reading on the server's account; the client timeout does not run meanwhile.</summary>
    public void ReaderPaused(bool paused)
    {
        Volatile.Write(ref _readerPaused, paused);
        MessageReceived();
    }

    /// <summary>One heartbeat tick; <paramref name="now"/> is a timestamp of the same <see cref="TimeProvider"/>.</summary>
    public void OnHeartbeat(long now)
    {
        if (_connection.CloseReason != HubConnectionCloseReason.None)
        {
            return;
        }

        switch ((Phase)Volatile.Read(ref _phase))
        {
            case Phase.Handshake:
                if (now >= Volatile.Read(ref _handshakeDeadline))
                {
                    _connection.RequestClose(HubConnectionCloseReason.HandshakeTimeout);
                }

                return;
            case Phase.Running:
                break;
            default:
                return;
        }

        AssertInvariants();
        if (_authenticationExpiration?.ExpiresUtc is { } expires && _time.GetUtcNow() >= expires)
        {
            _connection.RequestClose(HubConnectionCloseReason.AuthenticationExpired);
            return;
        }

        // The ping that is due goes out before a timeout is acted on, as the official server does in the same tick.
        if (!_inherentKeepAlive && now - _writer.LastSendTimestamp >= _keepAlive && _pingBytes is { } ping)
        {
            _writer.TrySendPing(ping);
        }

        if (Volatile.Read(ref _pingReceived) && !Volatile.Read(ref _readerPaused) &&
            now - Volatile.Read(ref _lastReceive) > _clientTimeout)
        {
            _connection.RequestClose(HubConnectionCloseReason.ClientTimeout);
            return;
        }

        _writer.TrySendAck();
    }

    /// <summary>An interval in <see cref="TimeProvider.TimestampFrequency"/> units, capped so that sums cannot overflow.</summary>
    private long ToTimestampUnits(TimeSpan interval)
    {
        var units = interval.TotalSeconds * _time.TimestampFrequency;
        return units >= long.MaxValue / 4 ? long.MaxValue / 4 : (long)Math.Max(0, units);
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        var phase = (Phase)Volatile.Read(ref _phase);
        Debug.Assert(phase is Phase.Idle or Phase.Handshake or Phase.Running, "Unknown phase (L1).");
        Debug.Assert(phase != Phase.Running || _pingBytes is { Length: > 0 }, "Running without ping bytes (L2).");
    }

    /// <summary>The protocol's serialised Ping (a protocol writes the same bytes for it every time), shared by its connections.</summary>
    internal static byte[] PingBytes(IHubProtocol protocol) =>
        s_pings.GetValue(protocol, static p => p.GetMessageBytes(PingMessage.Instance).ToArray());
}
