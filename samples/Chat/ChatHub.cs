using SignalRLite;

namespace Chat;

/// <summary>The chat hub: every message goes to every connected client.</summary>
public sealed class ChatHub : Hub
{
    /// <summary>Broadcasts a message to everyone, the sender included.</summary>
    public Task SendMessage(string user, string message) =>
        Clients.All.SendAsync("ReceiveMessage", user, message);
}
