using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace SignalRLite.Tests.StatefulReconnect;

/// <summary>A hand-written JSON hub client on a raw <see cref="ClientWebSocket"/>: negotiate, handshake, frames, abrupt loss.</summary>
internal sealed class RawStatefulClient : IAsyncDisposable
{
    private const char RecordSeparator = '\u001e';
    private readonly Queue<JsonElement> _pending = new();
    private readonly StringBuilder _partial = new();
    private ClientWebSocket _socket;
    private readonly byte[] _buffer = new byte[8192];
    private Task<WebSocketReceiveResult>? _receive;

    private RawStatefulClient(Uri baseAddress, string token, string connectionId, ClientWebSocket socket)
    {
        BaseAddress = baseAddress;
        Token = token;
        ConnectionId = connectionId;
        _socket = socket;
    }

    public Uri BaseAddress { get; }

    public string Token { get; }

    public string ConnectionId { get; }

    public static async Task<JsonDocument> NegotiateAsync(Uri baseAddress, string query)
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        var response = await http.PostAsync("reconnect/negotiate?" + query, null);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Negotiates with <c>useStatefulReconnect=true</c>, opens the WebSocket and completes a handshake of <paramref name="version"/>.</summary>
    public static async Task<RawStatefulClient> ConnectAsync(Uri baseAddress, int version = 2)
    {
        using var negotiate = await NegotiateAsync(baseAddress, "negotiateVersion=1&useStatefulReconnect=true");
        var token = negotiate.RootElement.GetProperty("connectionToken").GetString()!;
        var id = negotiate.RootElement.GetProperty("connectionId").GetString()!;
        var (socket, status) = await OpenAsync(baseAddress, token);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
        var client = new RawStatefulClient(baseAddress, token, id, socket!);
        await client.SendRawAsync("{\"protocol\":\"json\",\"version\":" + version + "}");
        var handshake = await client.ReceiveAnyAsync();
        Assert.Equal("{}", handshake.GetRawText());
        return client;
    }

    private static async Task<(ClientWebSocket? Socket, HttpStatusCode Status)> OpenAsync(Uri baseAddress, string token)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        var uri = new UriBuilder(new Uri(baseAddress, "reconnect?id=" + Uri.EscapeDataString(token))) { Scheme = "ws" }.Uri;
        try
        {
            await socket.ConnectAsync(uri, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            return (socket, socket.HttpStatusCode);
        }
        catch (WebSocketException)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            return (null, status);
        }
    }

    /// <summary>Drops the TCP connection without a close frame.</summary>
    public void Abort()
    {
        _socket.Abort();
        _pending.Clear();
        _partial.Clear();
        _receive = null;
    }

    /// <summary>A new WebSocket with the same token; returns the HTTP status (101 when it attached).</summary>
    public async Task<HttpStatusCode> ReconnectAsync()
    {
        var (socket, status) = await OpenAsync(BaseAddress, Token);
        if (socket is not null)
        {
            _socket = socket;
            _receive = null;
        }

        return status;
    }

    /// <summary>A second, concurrent WebSocket with the same token (the first one stays as it is).</summary>
    public Task<(ClientWebSocket? Socket, HttpStatusCode Status)> OpenSecondAsync() => OpenAsync(BaseAddress, Token);

    public ClientWebSocket Socket => _socket;

    public Task SendRawAsync(string json) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(json + RecordSeparator), WebSocketMessageType.Text, true, CancellationToken.None);

    public Task InvokeAsync(string? invocationId, string target, params object[] arguments) =>
        SendRawAsync(JsonSerializer.Serialize(invocationId is null
            ? new Dictionary<string, object> { ["type"] = 1, ["target"] = target, ["arguments"] = arguments }
            : new Dictionary<string, object> { ["type"] = 1, ["invocationId"] = invocationId, ["target"] = target, ["arguments"] = arguments }));

    /// <summary>The next message of any type (handshake response included).</summary>
    public async Task<JsonElement> ReceiveAnyAsync(TimeSpan? timeout = null)
    {
        // A cancelled receive would abort the ClientWebSocket: a receive that times out stays pending for the next call.
        var buffer = _buffer;
        while (_pending.Count == 0)
        {
            _receive ??= _socket.ReceiveAsync(buffer, CancellationToken.None);
            WebSocketReceiveResult result;
            try
            {
                result = await _receive.WaitAsync(timeout ?? TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                throw new OperationCanceledException("no message in time");
            }

            _receive = null;
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException("closed by the server");
            }

            _partial.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
            var text = _partial.ToString();
            var end = text.LastIndexOf(RecordSeparator);
            if (end < 0)
            {
                continue;
            }

            foreach (var record in text[..end].Split(RecordSeparator))
            {
                _pending.Enqueue(JsonDocument.Parse(record).RootElement.Clone());
            }

            _partial.Clear().Append(text[(end + 1)..]);
        }

        return _pending.Dequeue();
    }

    /// <summary>The next message that is not a Ping (nor an Ack, unless <paramref name="includeAcks"/>).</summary>
    public async Task<JsonElement> ReceiveAsync(bool includeAcks = false, TimeSpan? timeout = null)
    {
        while (true)
        {
            var message = await ReceiveAnyAsync(timeout);
            var type = message.GetProperty("type").GetInt32();
            if (type == 6 || (type == 8 && !includeAcks))
            {
                continue;
            }

            return message;
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        return default;
    }
}
