using SignalRLite;

namespace AotChat;

/// <summary>What the server calls on clients of <see cref="TypedChatHub"/>.</summary>
public interface IChatClient
{
    /// <summary>A chat message, as an app type.</summary>
    Task ReceiveMessage(ChatMessage message);

    /// <summary>A value type argument.</summary>
    Task Tick(int count, Point at);
}

/// <summary>A strongly typed hub: the server calls clients through <see cref="IChatClient"/>.</summary>
public sealed class TypedChatHub : Hub<IChatClient>
{
    /// <summary>Broadcasts a message to everyone, the sender included.</summary>
    public Task Send(string user, string text) =>
        Clients.All.ReceiveMessage(new ChatMessage(user, text, Timestamp: 1_700_000_000_000));

    /// <summary>Calls the caller back with value-type arguments.</summary>
    public Task TickCaller(int count) => Clients.Caller.Tick(count, new Point(count, -count));
}
