using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SignalRLite.Internal.Transports;
using OfficialHub = Microsoft.AspNetCore.SignalR.Hub;

namespace SignalRLite.Tests.Transports;

/// <summary>
/// One hub server for differential tests: the official server (shared framework) or SignalRLite, each through its public
/// <c>AddSignalR</c>/<c>AddSignalRLite</c> and <c>MapHub</c>, on Kestrel at 127.0.0.1, hub at <see cref="Path"/>.
/// A middleware in front of the hub records when each POST's body is first read and read to its end (request header
/// <c>X-Probe</c> names the POST), so tests can await what the server does with a body without sleeping.
/// </summary>
internal sealed class DifferentialHost : IAsyncDisposable
{
    public const string Path = "/hub";

    private static readonly Regex Ids = new("\"(connectionId|connectionToken)\":\"[^\"]+\"", RegexOptions.Compiled);

    private readonly WebApplication _app;

    private DifferentialHost(WebApplication app, bool official)
    {
        _app = app;
        Official = official;
        BaseAddress = new Uri(app.Urls.First());
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Events = app.Services.GetRequiredService<ProbeEvents>();
    }

    public bool Official { get; }

    public string Name => Official ? "official" : "ours";

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public ProbeEvents Events { get; }

    /// <summary>Our connection registry; null for the official server.</summary>
    public HttpConnectionManager? Manager => Official ? null : _app.Services.GetRequiredService<HttpConnectionManager>();

    public static async Task<DifferentialHost> StartAsync(bool official, bool allowStatefulReconnects = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSingleton<ProbeEvents>();
        if (official)
        {
            builder.Services.AddSignalR();
        }
        else
        {
            builder.Services.AddSignalRLite();
        }

        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            if (context.Request.Headers.TryGetValue("X-Probe", out var name))
            {
                var events = context.RequestServices.GetRequiredService<ProbeEvents>();
                events.Record(name + ":enter");
                context.Request.Body = new ObservedBody(context.Request.Body, events, name.ToString());
            }

            await next(context);
        });
        var timeout = TimeSpan.FromSeconds(30);
        if (official)
        {
            app.MapHub<OfficialProbeHub>(Path, o =>
            {
                o.AllowStatefulReconnects = allowStatefulReconnects;
                o.LongPolling.PollTimeout = timeout;
            });
        }
        else
        {
            app.MapHub<LiteProbeHub>(Path, o =>
            {
                o.AllowStatefulReconnects = allowStatefulReconnects;
                o.LongPolling.PollTimeout = timeout;
            });
        }

        await app.StartAsync();
        return new DifferentialHost(app, official);
    }

    /// <summary>Starts the official server and ours with the same settings.</summary>
    public static async Task<(DifferentialHost Official, DifferentialHost Ours)> StartBothAsync(bool allowStatefulReconnects = false) =>
        (await StartAsync(official: true, allowStatefulReconnects), await StartAsync(official: false, allowStatefulReconnects));

    public string Url(string token) => Path + "?id=" + token;

    public async Task<string> NegotiateAsync()
    {
        var response = await Client.PostAsync(Path + "/negotiate?negotiateVersion=1", null);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("connectionToken").GetString()!;
    }

    /// <summary>A Long Polling connection after its first poll and the JSON handshake (the handshake answer not yet polled).</summary>
    public async Task<string> ConnectLongPollingAsync()
    {
        var token = await NegotiateAsync();
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync(Url(token))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync(Url(token), new StringContent(Handshake))).StatusCode);
        return token;
    }

    public const string Handshake = "{\"protocol\":\"json\",\"version\":1}\u001e";

    /// <summary>
    /// What a client sees of a response: status, every header but <c>Date</c>/<c>Server</c> (raw values, as sent), and the
    /// body with connection IDs and tokens masked.
    /// </summary>
    public static async Task<string> DescribeAsync(HttpResponseMessage response, params string[] ignoredHeaders)
    {
        var text = new StringBuilder();
        text.Append((int)response.StatusCode);
        var headers = response.Headers.NonValidated.Concat(response.Content.Headers.NonValidated)
            .Where(h => h.Key is not "Date" and not "Server" && !ignoredHeaders.Contains(h.Key, StringComparer.OrdinalIgnoreCase))
            .OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in headers)
        {
            text.Append(" | ").Append(name).Append(": ").Append(string.Join(" ;; ", values));
        }

        var body = await response.Content.ReadAsStringAsync();
        text.Append(" | body: ").Append(Ids.Replace(body, "\"$1\":\"*\"").Replace("\u001e", "<RS>"));
        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public sealed class OfficialProbeHub(ProbeEvents events) : OfficialHub
    {
        public string Echo(string value) => value;

        public override Task OnDisconnectedAsync(Exception? exception)
        {
            events.Disconnected.TrySetResult();
            return Task.CompletedTask;
        }
    }

    public sealed class LiteProbeHub(ProbeEvents events) : SignalRLite.Hub
    {
        public string Echo(string value) => value;

        public override Task OnDisconnectedAsync(Exception? exception)
        {
            events.Disconnected.TrySetResult();
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// What the server did, in order: "name:enter" when the POST reached the hub endpoint, "name:read" at its body's
    /// first read, "name:end" when it was read to its end.
    /// </summary>
    public sealed class ProbeEvents
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _signals = new();
        private readonly ConcurrentQueue<string> _log = new();

        public TaskCompletionSource Disconnected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<string> Log => [.. _log];

        public void Record(string name)
        {
            _log.Enqueue(name);
            Signal(name).TrySetResult();
        }

        public bool Happened(string name) => Signal(name).Task.IsCompleted;

        public Task WhenAsync(string name) => Signal(name).Task.WaitAsync(TimeSpan.FromSeconds(10));

        private TaskCompletionSource Signal(string name) =>
            _signals.GetOrAdd(name, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    private sealed class ObservedBody(Stream inner, ProbeEvents events, string name) : Stream
    {
        private bool _read;
        private bool _ended;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_read)
            {
                _read = true;
                events.Record(name + ":read");
            }

            var count = await inner.ReadAsync(buffer, cancellationToken);
            if (count == 0 && !_ended)
            {
                _ended = true;
                events.Record(name + ":end");
            }

            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
