using System.Net.Http.Headers;
using System.Text;

namespace SignalRLite.Tests.Transports;

/// <summary>A raw Server-Sent Events client: opens the stream and reads its text as it arrives.</summary>
internal sealed class SseStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly Stream _stream;
    private readonly StringBuilder _received = new();
    private readonly byte[] _buffer = new byte[8192];

    private SseStream(HttpResponseMessage response, Stream stream)
    {
        _response = response;
        _stream = stream;
    }

    public HttpResponseMessage Response => _response;

    public static HttpRequestMessage CreateRequest(string query) => CreateRequestFor(TransportTestServer.Path + query);

    public static HttpRequestMessage CreateRequestFor(string pathAndQuery)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return request;
    }

    public static Task<SseStream> OpenAsync(HttpClient client, string query, CancellationToken cancellationToken = default) =>
        OpenPathAsync(client, TransportTestServer.Path + query, cancellationToken);

    public static async Task<SseStream> OpenPathAsync(HttpClient client, string pathAndQuery, CancellationToken cancellationToken = default)
    {
        var response = await client.SendAsync(CreateRequestFor(pathAndQuery), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return new SseStream(response, await response.Content.ReadAsStreamAsync(cancellationToken));
    }

    /// <summary>Reads until the received text ends with <paramref name="suffix"/>; returns everything received so far and clears it.</summary>
    public async Task<string> ReadUntilAsync(string suffix, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (!_received.ToString().EndsWith(suffix, StringComparison.Ordinal))
        {
            var read = await _stream.ReadAsync(_buffer, cts.Token);
            if (read == 0)
            {
                throw new EndOfStreamException("SSE stream ended; received: " + _received);
            }

            _received.Append(Encoding.UTF8.GetString(_buffer, 0, read));
        }

        var text = _received.ToString();
        _received.Clear();
        return text;
    }

    /// <summary>Reads until the server ends the response; returns what arrived meanwhile.</summary>
    public async Task<string> ReadToEndAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        int read;
        while ((read = await _stream.ReadAsync(_buffer, cts.Token)) > 0)
        {
            _received.Append(Encoding.UTF8.GetString(_buffer, 0, read));
        }

        var text = _received.ToString();
        _received.Clear();
        return text;
    }

    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
