using System.Buffers;
using System.IO.Pipelines;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace SignalRLite.Tests.Infrastructure;

/// <summary>
/// An in-memory <see cref="ConnectionContext"/>: the hub layer reads <see cref="ConnectionContext.Transport"/>, the test
/// plays the client through <see cref="SendAsync(string)"/> and <see cref="ReadMessageAsync"/>.
/// </summary>
internal sealed class TestConnection : ConnectionContext, IConnectionInherentKeepAliveFeature, IConnectionUserFeature, ITransferFormatFeature, IConnectionItemsFeature, IConnectionIdFeature
{
    public const char RS = '\u001e';
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly Pipe _input = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
    private readonly Pipe _output;
    private readonly StringBuilder _pending = new();
    private readonly CancellationTokenSource _closed = new();

    public TestConnection(TransferFormat supportedFormats = TransferFormat.Text | TransferFormat.Binary, long outputPauseThreshold = 0)
    {
        _output = new Pipe(new PipeOptions(pauseWriterThreshold: outputPauseThreshold, resumeWriterThreshold: outputPauseThreshold / 2, useSynchronizationContext: false));
        Transport = new DuplexPipe(_input.Reader, _output.Writer);
        SupportedFormats = supportedFormats;
        ActiveFormat = TransferFormat.Text;
        var features = new FeatureCollection();
        features.Set<IConnectionUserFeature>(this);
        features.Set<ITransferFormatFeature>(this);
        features.Set<IConnectionItemsFeature>(this);
        features.Set<IConnectionIdFeature>(this);
        features.Set<IConnectionInherentKeepAliveFeature>(this);
        Features = features;
        ConnectionClosed = _closed.Token;
    }

    public override string ConnectionId { get; set; } = Guid.NewGuid().ToString("N");

    public override IFeatureCollection Features { get; }

    public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

    public override IDuplexPipe Transport { get; set; }

    public ClaimsPrincipal? User { get; set; }

    public TransferFormat SupportedFormats { get; set; }

    public TransferFormat ActiveFormat { get; set; }

    public bool Aborted { get; private set; }

    public bool HasInherentKeepAlive { get; set; }

    /// <summary>The hub layer's <c>OnConnectedAsync</c> for this connection; completes when the hub is done with it.</summary>
    public Task HandlerTask { get; set; } = Task.CompletedTask;

    public override void Abort(ConnectionAbortedException abortReason)
    {
        Aborted = true;
        _closed.Cancel();
    }

    public async Task SendAsync(string text)
    {
        await _input.Writer.WriteAsync(Encoding.UTF8.GetBytes(text));
    }

    public async Task SendAsync(byte[] bytes)
    {
        await _input.Writer.WriteAsync(bytes);
    }

    /// <summary>Sends a JSON object followed by the record separator.</summary>
    public Task SendMessageAsync(object message) => SendAsync(JsonSerializer.Serialize(message) + RS);

    /// <summary>The client goes away (transport ends).</summary>
    public void CompleteInput(Exception? error = null) => _input.Writer.Complete(error);

    /// <summary>The next RS-terminated text message from the server, or null when the server completed its output.</summary>
    public async Task<string?> ReadMessageAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (true)
        {
            var text = _pending.ToString();
            var index = text.IndexOf(RS);
            if (index >= 0)
            {
                _pending.Remove(0, index + 1);
                return text[..index];
            }

            ReadResult result;
            try
            {
                result = await _output.Reader.ReadAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No message from the server within {timeout ?? DefaultTimeout}. Pending: '{_pending}'.");
            }

            _pending.Append(Encoding.UTF8.GetString(result.Buffer.ToArray()));
            _output.Reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted && _pending.Length == 0)
            {
                return null;
            }

            if (result.IsCompleted && !_pending.ToString().Contains(RS))
            {
                var rest = _pending.ToString();
                _pending.Clear();
                return rest;
            }
        }
    }

    /// <summary>The next message parsed as JSON; fails when the server closed its output instead.</summary>
    public async Task<JsonElement> ReadJsonAsync(TimeSpan? timeout = null)
    {
        var text = await ReadMessageAsync(timeout) ?? throw new InvalidOperationException("The server completed its output.");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The next message that is not a Ping.</summary>
    public async Task<JsonElement> ReadNonPingAsync(TimeSpan? timeout = null)
    {
        while (true)
        {
            var message = await ReadJsonAsync(timeout);
            if (!message.TryGetProperty("type", out var type) || type.GetInt32() != 6)
            {
                return message;
            }
        }
    }

    /// <summary>Reads (skipping pings) until the server completes its output; returns the messages seen.</summary>
    public async Task<List<string>> ReadUntilClosedAsync(TimeSpan? timeout = null)
    {
        var messages = new List<string>();
        while (await ReadMessageAsync(timeout) is { } message)
        {
            if (message != "{\"type\":6}")
            {
                messages.Add(message);
            }
        }

        return messages;
    }

    /// <summary>Raw bytes written by the server so far (waits for at least one write).</summary>
    public async Task<byte[]> ReadRawAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var result = await _output.Reader.ReadAsync(cts.Token);
        var bytes = result.Buffer.ToArray();
        _output.Reader.AdvanceTo(result.Buffer.End);
        return bytes;
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
