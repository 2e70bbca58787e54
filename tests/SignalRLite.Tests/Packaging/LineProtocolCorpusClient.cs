using System.Net.WebSockets;
using System.Text;

namespace SignalRLite.Tests.Packaging;

/// <summary>
/// A raw WebSocket client of the corpus' own hub protocol (LineHubProtocol, registered with TryAddEnumerable):
/// records each answer line. Server pings ("P") are skipped.
/// </summary>
internal static class LineProtocolCorpusClient
{
    public static async Task<Transcript> RunAsync(Uri server)
    {
        var t = new Transcript(server);
        using var socket = new ClientWebSocket();
        var pending = new StringBuilder();
        await t.StepAsync("line.connect", () => socket.ConnectAsync(new Uri(new Uri(server.ToString().Replace("http://", "ws://", StringComparison.Ordinal)), "chat?user=liner"), CancellationToken.None));
        await t.StepAsync("line.handshake", async () =>
        {
            await SendAsync(socket, "{\"protocol\":\"line\",\"version\":1}\u001e");
            return await ReceiveAsync(socket, pending, '\u001e');
        });

        foreach (var (key, line) in new[]
        {
            ("Echo", "I|1|Echo|hello"),
            ("void method", "I|2|Nothing"),
            ("null result", "I|3|NullText"),
            ("WhoAmI", "I|4|WhoAmI"),
            ("Filtered", "I|5|Filtered|abc"),
            ("Blocked", "I|6|Blocked"),
            ("HubException", "I|7|Fail"),
            ("other exception", "I|8|Crash"),
            ("unknown method", "I|9|Nope"),
            ("binding failure (int arguments)", "I|10|Add|1|2"),
            ("argument count", "I|11|Echo|a|b"),
            ("Connection", "I|12|Connection"),
        })
        {
            await t.StepAsync($"line.{key}", async () =>
            {
                await SendAsync(socket, line + "\n");
                return await ReceiveAsync(socket, pending, '\n');
            });
        }

        await t.StepAsync("line.non-blocking shout", async () =>
        {
            await SendAsync(socket, "I||shout|everyone\n");
            return await ReceiveAsync(socket, pending, '\n');
        });
        await t.StepAsync("line.malformed message", async () =>
        {
            await SendAsync(socket, "Z|what\n");
            return await ReceiveAsync(socket, pending, '\n');
        });
        return t;
    }

    private static Task SendAsync(ClientWebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>The next record up to <paramref name="terminator"/> that is not a ping; "(closed: status)" when the server closes.</summary>
    private static async Task<string> ReceiveAsync(ClientWebSocket socket, StringBuilder pending, char terminator)
    {
        var buffer = new byte[4096];
        while (true)
        {
            var text = pending.ToString();
            var end = text.IndexOf(terminator, StringComparison.Ordinal);
            if (end >= 0)
            {
                pending.Remove(0, end + 1);
                var record = text[..end];
                if (record == "P")
                {
                    continue;
                }

                return record;
            }

            var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return $"(closed: {result.CloseStatus})";
            }

            pending.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
        }
    }
}
