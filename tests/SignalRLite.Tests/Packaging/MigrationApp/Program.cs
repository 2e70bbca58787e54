using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MigrationApp;
using StackExchange.Redis;
using System.Text.Json.Serialization;

// Written the way the ASP.NET Core SignalR docs teach it. The migration test applies the mechanical
// substitution (namespaces, AddSignalR -> AddSignalRLite, package references) and nothing else.
var builder = WebApplication.CreateBuilder(args);

builder.Services.AddAuthentication(QueryAuthenticationHandler.SchemeName)
    .AddScheme<AuthenticationSchemeOptions, QueryAuthenticationHandler>(QueryAuthenticationHandler.SchemeName, null);
builder.Services.AddAuthorization();
builder.Services.AddSingleton<IUserIdProvider, QueryUserIdProvider>();
builder.Services.AddSingleton<TickRequests>();
builder.Services.AddHostedService<Ticker>();
builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHubProtocol, LineHubProtocol>());

var signalR = builder.Services.AddSignalR(options =>
    {
        options.EnableDetailedErrors = false;
        options.KeepAliveInterval = TimeSpan.FromSeconds(5);
        options.ClientTimeoutInterval = TimeSpan.FromSeconds(60);
        options.MaximumReceiveMessageSize = 64 * 1024;
        options.MaximumParallelInvocationsPerClient = 2;
        options.AddFilter<ResultFilter>();
    })
    .AddJsonProtocol(options =>
    {
        options.PayloadSerializerOptions.PropertyNamingPolicy = null;
        options.PayloadSerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter());
    })
    .AddMessagePackProtocol()
    .AddHubOptions<ChatHub>(options =>
    {
        options.StreamBufferCapacity = 20;
        options.AddFilter(new TagFilter("chat"));
    });

// Scale-out: registered only when a Redis is given (the test passes SIGNALRLITE_CORPUS_REDIS on as SIGNALRLITE_REDIS).
var redis = Environment.GetEnvironmentVariable("SIGNALRLITE_REDIS");
if (!string.IsNullOrEmpty(redis))
{
    var prefix = builder.Configuration["CORPUS_CHANNEL_PREFIX"] ?? "corpus";
    signalR.AddStackExchangeRedis(redis, options => options.Configuration.ChannelPrefix = RedisChannel.Literal(prefix));
}

var app = builder.Build();

app.MapHub<ChatHub>("/chat", options =>
{
    options.Transports = HttpTransportType.WebSockets | HttpTransportType.LongPolling | HttpTransportType.ServerSentEvents;
    options.ApplicationMaxBufferSize = 128 * 1024;
    options.TransportMaxBufferSize = 128 * 1024;
    options.CloseOnAuthenticationExpiration = true;
    options.LongPolling.PollTimeout = TimeSpan.FromSeconds(20);
    options.WebSockets.CloseTimeout = TimeSpan.FromSeconds(3);
});
app.MapHub<ClientsHub>("/clients");
app.MapHub<TypedHub>("/typed");
app.MapHub<DynamicChatHub>("/dynamic");
app.MapHub<SecureHub>("/secure");
var pollingOnly = app.MapHub<ChatHub>("/polling-only", options => options.Transports = HttpTransportType.LongPolling);
pollingOnly.WithDisplayName("polling only");

app.MapPost("/announce", async (string text, IHubContext<ChatHub> hub) =>
{
    await hub.Clients.All.SendAsync("Receive", "server", text);
    return Results.NoContent();
});

app.Run();
