using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;

namespace SignalRLite.Tests.Interop;

/// <summary>Records the <c>Receive(kind, message)</c> calls an official client gets, in order.</summary>
internal sealed class Inbox
{
    private readonly Channel<(string Kind, string Message)> _messages = Channel.CreateUnbounded<(string, string)>();

    public Inbox(HubConnection connection)
    {
        connection.On<string, string>("Receive", (kind, message) => _messages.Writer.TryWrite((kind, message)));
    }

    public async Task<(string Kind, string Message)> NextAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await _messages.Reader.ReadAsync(cts.Token);
    }

    public ValueTask<(string Kind, string Message)> NextAsync(CancellationToken cancellationToken) => _messages.Reader.ReadAsync(cancellationToken);

    /// <summary>Reads up to the marker; returns the kinds received before it.</summary>
    public async Task<List<string>> UntilMarkerAsync()
    {
        var kinds = new List<string>();
        while (true)
        {
            var (kind, _) = await NextAsync();
            if (kind == "marker")
            {
                return kinds;
            }

            kinds.Add(kind);
        }
    }
}
