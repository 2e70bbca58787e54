using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SignalRLite.Internal.Connections;
using SignalRLite.Internal.Hubs;
using SignalRLite.Protocol;

namespace SignalRLite.Tests.Hubs;

/// <summary>
/// Keep-alive, client timeout, handshake deadline and authentication expiry of one connection, on a
/// <see cref="FakeTimeProvider"/>: the heartbeat tick is called by hand, so every assertion is exact (one timestamp
/// unit before the deadline: nothing; at it: the action) and the tests take milliseconds.
/// </summary>
public class HubConnectionLivenessTests
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Epsilon = TimeSpan.FromTicks(1);
    private const string Ping = "{\"type\":6}\u001e";

    [Fact]
    public void KeepAlivePingIsSentAfterTheIntervalOfSilenceAndNotBefore()
    {
        var c = new Harness();
        c.Running();

        c.AdvanceAndTick(KeepAlive - Epsilon);
        Assert.Equal("", c.ReadOutput());
        c.AdvanceAndTick(Epsilon);
        Assert.Equal(Ping, c.ReadOutput());

        // The ping itself is a send: the next one is a whole interval later.
        c.AdvanceAndTick(KeepAlive - Epsilon);
        Assert.Equal("", c.ReadOutput());
        c.AdvanceAndTick(Epsilon);
        Assert.Equal(Ping, c.ReadOutput());
        Assert.Equal(HubConnectionCloseReason.None, c.Hub.CloseReason);
    }

    [Fact]
    public async Task NoPingWhileOtherMessagesFlow()
    {
        var c = new Harness();
        c.Running();
        for (var i = 0; i < 10; i++)
        {
            c.AdvanceAndTick(KeepAlive - Epsilon);
            c.Hub.MessageReceived();
            await c.Hub.WriteAsync(new InvocationMessage("Tick", [i]));
        }

        var output = c.ReadOutput();
        Assert.DoesNotContain(Ping, output);
        Assert.Equal(10, output.Count(ch => ch == '\u001e'));
    }

    [Fact]
    public void ClientTimeoutRequestsCloseAfterTheIntervalWithoutMessagesAndNotBefore()
    {
        var c = new Harness();
        c.Running();
        c.Hub.PingReceived();

        // Anything received restarts the interval.
        c.AdvanceAndTick(ClientTimeout - Epsilon);
        c.Hub.MessageReceived();
        c.AdvanceAndTick(ClientTimeout);
        Assert.Equal(HubConnectionCloseReason.None, c.Hub.CloseReason);

        c.AdvanceAndTick(Epsilon);
        Assert.Equal(HubConnectionCloseReason.ClientTimeout, c.Hub.CloseReason);
    }

    [Fact]
    public void ClientTimeoutDoesNotRunWhileTheServerPausesTheReader()
    {
        var c = new Harness();
        c.Running();
        c.Hub.PingReceived();
        c.Hub.ReaderPaused(true);
        c.AdvanceAndTick(ClientTimeout * 3);
        Assert.Equal(HubConnectionCloseReason.None, c.Hub.CloseReason);

        // Resuming restarts the interval.
        c.Hub.ReaderPaused(false);
        c.AdvanceAndTick(ClientTimeout);
        Assert.Equal(HubConnectionCloseReason.None, c.Hub.CloseReason);
        c.AdvanceAndTick(Epsilon);
        Assert.Equal(HubConnectionCloseReason.ClientTimeout, c.Hub.CloseReason);
    }

    [Fact]
    public void NoClientTimeoutUntilTheClientPingsOnEveryTransport()
    {
        // As on the official server (OfficialClientTimeoutComparisonTests): silence, or invocations only, never time out.
        var c = new Harness();
        c.Running();
        c.AdvanceAndTick(ClientTimeout * 3);
        c.Hub.MessageReceived();
        c.AdvanceAndTick(ClientTimeout * 3);
        Assert.Equal(HubConnectionCloseReason.None, c.Hub.CloseReason);

        c.Hub.PingReceived();
        c.Hub.MessageReceived();
        c.AdvanceAndTick(ClientTimeout);
        Assert.Equal(HubConnectionCloseReason.None, c.Hub.CloseReason);
        c.AdvanceAndTick(Epsilon);
        Assert.Equal(HubConnectionCloseReason.ClientTimeout, c.Hub.CloseReason);
    }

    [Fact]
    public void InherentKeepAliveGetsNoPingAndNoClientTimeoutUntilTheClientPings()
    {
        var c = new Harness(inherentKeepAlive: true);
        c.Running();
        c.AdvanceAndTick(ClientTimeout * 3);
        Assert.Equal("", c.ReadOutput());
        Assert.Equal(HubConnectionCloseReason.None, c.Hub.CloseReason);

        c.Hub.PingReceived();
        c.Hub.MessageReceived();
        c.AdvanceAndTick(ClientTimeout + Epsilon);
        Assert.Equal(HubConnectionCloseReason.ClientTimeout, c.Hub.CloseReason);
    }

    [Fact]
    public void HandshakeTimeoutRequestsCloseAtTheDeadlineAndNotBefore()
    {
        var c = new Harness();
        c.Hub.StartHandshakeTimer(TimeSpan.FromSeconds(15));

        c.AdvanceAndTick(TimeSpan.FromSeconds(15) - Epsilon);
        Assert.Equal(HubConnectionCloseReason.None, c.Hub.CloseReason);
        // No keep-alive and no client timeout before the handshake.
        Assert.Equal("", c.ReadOutput());

        c.AdvanceAndTick(Epsilon);
        Assert.Equal(HubConnectionCloseReason.HandshakeTimeout, c.Hub.CloseReason);
    }

    [Fact]
    public void CompletedHandshakeDisarmsTheDeadline()
    {
        var c = new Harness();
        c.Hub.StartHandshakeTimer(TimeSpan.FromSeconds(15));
        c.AdvanceAndTick(TimeSpan.FromSeconds(10));
        c.Running();
        c.Hub.MessageReceived();
        c.AdvanceAndTick(TimeSpan.FromSeconds(10));
        Assert.Equal(HubConnectionCloseReason.None, c.Hub.CloseReason);
    }

    [Fact]
    public void AuthenticationExpiryRequestsCloseOnceTheTicketHasExpired()
    {
        var c = new Harness(clientTimeout: TimeSpan.FromHours(2));
        var expires = c.Time.GetUtcNow() + TimeSpan.FromMinutes(5);
        c.Connection.Features.Set<IAuthenticationExpirationFeature>(new Expiry(expires));
        c.Running();

        c.AdvanceAndTick(TimeSpan.FromMinutes(5) - Epsilon);
        Assert.Equal(HubConnectionCloseReason.None, c.Hub.CloseReason);
        c.AdvanceAndTick(Epsilon);
        Assert.Equal(HubConnectionCloseReason.AuthenticationExpired, c.Hub.CloseReason);
    }

    [Fact]
    public void WithoutAnExpiryTheConnectionOutlivesAnyTicket()
    {
        var c = new Harness(clientTimeout: TimeSpan.FromDays(10));
        c.Running();
        c.AdvanceAndTick(TimeSpan.FromDays(5));
        Assert.Equal(HubConnectionCloseReason.None, c.Hub.CloseReason);
    }

    [Fact]
    public void TheFirstCloseReasonWins()
    {
        var c = new Harness();
        c.Running();
        c.Hub.Abort();
        c.AdvanceAndTick(ClientTimeout * 2);
        Assert.Equal(HubConnectionCloseReason.Aborted, c.Hub.CloseReason);
        Assert.Equal("", c.ReadOutput());
    }

    private sealed record Expiry(DateTimeOffset? ExpiresUtc) : IAuthenticationExpirationFeature
    {
        public bool CloseOnExpiration => true;
    }

    /// <summary>A hub connection context over in-memory pipes, on a fake clock, without a handler.</summary>
    private sealed class Harness
    {
        private readonly Pipe _toClient = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));

        public Harness(bool inherentKeepAlive = false, TimeSpan? clientTimeout = null)
        {
            var toServer = new Pipe();
            Connection = new DefaultConnectionContext("c1", new Duplex(toServer.Reader, _toClient.Writer), new Duplex(_toClient.Reader, toServer.Writer));
            Connection.Features.Set<IConnectionInherentKeepAliveFeature>(new InherentKeepAlive(inherentKeepAlive));
            var options = new HubConnectionContextOptions { KeepAliveInterval = KeepAlive, ClientTimeoutInterval = clientTimeout ?? ClientTimeout };
            Hub = new HubConnectionContext(Connection, options, NullLoggerFactory.Instance, Time) { Protocol = new JsonHubProtocol() };
        }

        public FakeTimeProvider Time { get; } = new();

        public DefaultConnectionContext Connection { get; }

        public HubConnectionContext Hub { get; }

        /// <summary>As the handler does after a successful handshake.</summary>
        public void Running() => Hub.HandshakeCompleted();

        public void AdvanceAndTick(TimeSpan by)
        {
            Time.Advance(by);
            Hub.OnHeartbeat(Time.GetTimestamp());
        }

        /// <summary>What the server wrote since the last call (pings and Acks are written synchronously by the tick).</summary>
        public string ReadOutput()
        {
            if (!_toClient.Reader.TryRead(out var result))
            {
                return "";
            }

            var text = Encoding.UTF8.GetString(result.Buffer.ToArray());
            _toClient.Reader.AdvanceTo(result.Buffer.End);
            return text;
        }
    }

    private sealed class InherentKeepAlive(bool has) : IConnectionInherentKeepAliveFeature
    {
        public bool HasInherentKeepAlive => has;
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
