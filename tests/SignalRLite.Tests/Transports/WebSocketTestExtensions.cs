using System.Net.WebSockets;
using System.Text;

namespace SignalRLite.Tests.Transports;

internal static class WebSocketTestExtensions
{
    public static Task SendTextAsync(this WebSocket socket, string text, bool endOfMessage = true) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage, CancellationToken.None);

    /// <summary>Receives one whole message (or the close frame).</summary>
    public static async Task<(WebSocketMessageType Type, string Text)> ReceiveMessageAsync(this WebSocket socket, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[16 * 1024];
        using var stream = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (WebSocketMessageType.Close, "");
            }

            stream.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (result.MessageType, Encoding.UTF8.GetString(stream.ToArray()));
            }
        }
    }

    /// <summary>Receives text until <paramref name="expected"/> has arrived (echoes of several sends may be coalesced).</summary>
    public static async Task<string> ReceiveTextAsync(this WebSocket socket, int length)
    {
        var text = new StringBuilder();
        while (text.Length < length)
        {
            var (type, chunk) = await socket.ReceiveMessageAsync();
            Assert.NotEqual(WebSocketMessageType.Close, type);
            text.Append(chunk);
        }

        return text.ToString();
    }
}
