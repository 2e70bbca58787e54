using AotChat;
using SignalRLite;

var builder = WebApplication.CreateSlimBuilder(args);

builder.Services.AddSignalRLite()
    // The app's payload types for JSON under Native AOT (with the JIT, reflection would find them too): the
    // same call as with the official server. Strings, numbers and other primitives are built in.
    .AddJsonProtocol(o => o.PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, AppJsonContext.Default))
    .AddMessagePackProtocol();

// The Redis backplane when a connection string is given: the argument redis=127.0.0.1:6379 (or --redis 127.0.0.1:6379, or Redis in any configuration source).
if (builder.Configuration["redis"] is { Length: > 0 } redis)
{
    builder.Services.AddSignalRLite().AddStackExchangeRedis(redis);
}

var app = builder.Build();

app.UseDefaultFiles();
app.UseStaticFiles();
app.MapGet("/health", () => "ok");
app.MapHub<ChatHub>("/chat");
app.MapHub<TypedChatHub>("/typedchat");

app.Run();
