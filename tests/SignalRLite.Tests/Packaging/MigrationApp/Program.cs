using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using MigrationApp;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddSignalR(options =>
    {
        options.EnableDetailedErrors = false;
        options.KeepAliveInterval = TimeSpan.FromSeconds(5);
        options.ClientTimeoutInterval = TimeSpan.FromSeconds(20);
        options.MaximumReceiveMessageSize = 64 * 1024;
        options.MaximumParallelInvocationsPerClient = 2;
    })
    .AddJsonProtocol(options => options.PayloadSerializerOptions.WriteIndented = false)
    .AddMessagePackProtocol()
    .AddHubOptions<ChatHub>(options => options.StreamBufferCapacity = 20);

var app = builder.Build();

app.MapHub<ChatHub>("/chat", options =>
{
    options.Transports = HttpTransportType.WebSockets | HttpTransportType.LongPolling;
    options.ApplicationMaxBufferSize = 128 * 1024;
});
app.MapHub<TypedHub>("/typed");
app.MapPost("/announce", async (string text, IHubContext<ChatHub> hub) =>
{
    await hub.Clients.All.SendAsync("Receive", "server", text);
    return Results.NoContent();
});

app.Run();
