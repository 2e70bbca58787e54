using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace SignalRLite.AotInterop.Tests;

/// <summary>The AotChat binary under test (SIGNALRLITE_AOT_URL, set by test.sh) and connections to it.</summary>
internal static class AotChatServer
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public static Uri BaseUrl
    {
        get
        {
            var url = Environment.GetEnvironmentVariable("SIGNALRLITE_AOT_URL");
            Assert.False(string.IsNullOrEmpty(url), "SIGNALRLITE_AOT_URL is not set: these tests run against the natively published samples/AotChat, started by ./test.sh (run_aot).");
            return new Uri(url!.TrimEnd('/') + "/");
        }
    }

    /// <summary>Every transport and hub protocol pair that applies (MessagePack is binary: not over Server-Sent Events).</summary>
    public static TheoryData<string, string> Variants => new()
    {
        { "WebSockets", "json" },
        { "ServerSentEvents", "json" },
        { "LongPolling", "json" },
        { "WebSockets", "messagepack" },
        { "LongPolling", "messagepack" },
    };

    public static async Task<HubConnection> ConnectAsync(string hub, string transport, string protocol)
    {
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(BaseUrl, hub), Enum.Parse<HttpTransportType>(transport), o => o.SkipNegotiation = false);
        if (protocol == "messagepack")
        {
            builder.AddMessagePackProtocol();
        }

        var connection = builder.Build();
        using var cts = new CancellationTokenSource(Timeout);
        await connection.StartAsync(cts.Token);
        return connection;
    }
}

/// <summary>The sample's app types, as the client sees them.</summary>
public sealed record ChatMessage(string User, string Text, long Timestamp);

/// <summary>The sample's value type.</summary>
public readonly record struct Point(int X, int Y);
