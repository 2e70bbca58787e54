using System.Text.Json.Serialization;
using SignalRLite;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Services.AddSignalRLite()
    .AddJsonProtocol(o => o.PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, AppJsonContext.Default));

var app = builder.Build();
app.MapGet("/health", () => "ok");
app.MapHub<ChatHub>("/chat");
app.Run();

/// <summary>The measured methods of samples/AotChat's ChatHub.</summary>
public sealed class ChatHub : Hub
{
    public Task SendMessage(string user, string message) => Clients.All.SendAsync("ReceiveMessage", user, message);

    public string Echo(string message) => message;
}

[JsonSerializable(typeof(string))]
internal sealed partial class AppJsonContext : JsonSerializerContext;
