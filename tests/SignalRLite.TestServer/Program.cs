using TestServer;
using TestServer.Hubs;

var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);

builder.Services.AddSingleton<LifecycleLog>();
builder.Services.AddSingleton<Marks>();
builder.Services.AddSingleton<Gates>();
builder.Services.AddSingleton<GreetingService>();
builder.Services.AddSingleton<StreamLog>();
builder.Services
    .AddAuthentication(QueryUserAuthenticationHandler.SchemeName)
    .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, QueryUserAuthenticationHandler>(
        QueryUserAuthenticationHandler.SchemeName, _ => { })
    .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ExpiringTokenAuthenticationHandler>(
        ExpiringTokenAuthenticationHandler.SchemeName, _ => { });
builder.Services.AddAuthorization();

#if SIGNALR_ORACLE
builder.Services.AddSignalR()
    .AddMessagePackProtocol()
    .AddHubOptions<DetailedErrorsHub>(o => o.EnableDetailedErrors = true)
    .AddHubOptions<ParallelStreamHub>(o => o.MaximumParallelInvocationsPerClient = 3);
const string Implementation = "ASP.NET Core SignalR (oracle)";
#else
builder.Services.AddSignalRLite()
    .AddMessagePackProtocol()
    .AddHubOptions<DetailedErrorsHub>(o => o.EnableDetailedErrors = true)
    .AddHubOptions<ParallelStreamHub>(o => o.MaximumParallelInvocationsPerClient = 3);
const string Implementation = "SignalRLite";
#endif

var app = builder.Build();

app.UseAuthentication();
app.UseAuthorization();

app.MapHub<TestHub>("/testhub");
app.MapHub<TypedHub>("/typedhub");
app.MapHub<AuthHub>("/authhub");
app.MapHub<DetailedErrorsHub>("/detailedhub");
app.MapHub<StreamHub>("/streamhub");
app.MapHub<ParallelStreamHub>("/parallelhub");
app.MapHub<StatefulReconnectHub>("/reconnecthub", o => o.AllowStatefulReconnects = true);
#if SIGNALR_ORACLE
app.MapHub<RefreshHub>("/refreshhub"); // the official .NET 10 server has no authentication refresh
#else
app.MapHub<RefreshHub>("/refreshhub", o =>
{
    o.EnableAuthenticationRefresh = true;
    o.CloseOnAuthenticationExpiration = true;
});
#endif

app.MapGet("/health", () => Results.Text("ok"));
app.MapGet("/implementation", () => Results.Text(Implementation));

app.MapGet("/lifecycle/{connectionId}", (string connectionId, LifecycleLog log) =>
    log.Get(connectionId) is { } record ? Results.Json(record) : Results.NotFound());

app.MapPost("/gates/{key}", (string key, Gates gates) =>
{
    gates.Open(key);
    return Results.NoContent();
});

// IHubContext: send from outside a hub. Returns once the send has completed.
app.MapPost("/broadcast", async (BroadcastRequest request, IHubContext<TestHub> hub) =>
{
    var clients = hub.Clients;
    IClientProxy? proxy = request.Target switch
    {
        "all" => clients.All,
        "client" => clients.Client(request.Name!),
        "clients" => clients.Clients(request.Names!),
        "allExcept" => clients.AllExcept(request.Names!),
        "group" => clients.Group(request.Name!),
        "groups" => clients.Groups(request.Names!),
        "groupExcept" => clients.GroupExcept(request.Name!, request.Names!),
        "user" => clients.User(request.Name!),
        "users" => clients.Users(request.Names!),
        _ => null,
    };
    if (proxy is null)
    {
        return Results.BadRequest($"unknown target '{request.Target}'");
    }

    await proxy.SendAsync("Receive", "context-" + request.Target, request.Message);
    return Results.NoContent();
});

app.MapPost("/broadcast-typed", async (BroadcastRequest request, IHubContext<TypedHub, ITypedClient> hub) =>
{
    var target = request.Target switch
    {
        "all" => hub.Clients.All,
        "group" => hub.Clients.Group(request.Name!),
        "client" => hub.Clients.Client(request.Name!),
        _ => null,
    };
    if (target is null)
    {
        return Results.BadRequest($"unknown target '{request.Target}'");
    }

    await target.Receive("typed-context-" + request.Target, request.Message);
    return Results.NoContent();
});

// IHubContext client result: asks one connection of /streamhub and returns the outcome as text.
app.MapPost("/client-result", async (ClientResultRequest request, IHubContext<StreamHub> hub) =>
{
    using var cts = new CancellationTokenSource(request.TimeoutMs);
    try
    {
        return Results.Text("ok:" + await hub.Clients.Client(request.ConnectionId).InvokeAsync<string>("Ask", request.Question, cts.Token));
    }
    catch (Exception ex)
    {
        return Results.Text($"{ex.GetType().Name}:{ex.Message}");
    }
});

app.MapPost("/groups/add", async (GroupRequest request, IHubContext<TestHub> hub) =>
{
    await hub.Groups.AddToGroupAsync(request.ConnectionId, request.Group);
    return Results.NoContent();
});

app.MapPost("/groups/remove", async (GroupRequest request, IHubContext<TestHub> hub) =>
{
    await hub.Groups.RemoveFromGroupAsync(request.ConnectionId, request.Group);
    return Results.NoContent();
});

app.Lifetime.ApplicationStarted.Register(() =>
    Console.WriteLine($"SignalRLite.TestServer ready on {string.Join(", ", app.Urls)} ({Implementation})"));

app.Run();
