using ChaosServer;
using Microsoft.Extensions.Logging.Console;
using SignalRLite;
using StackExchange.Redis;

var builder = WebApplication.CreateBuilder(args);
var redis = builder.Configuration["redis"] ?? throw new InvalidOperationException("--redis host:port is required");
var prefix = builder.Configuration["prefix"] ?? "chaos";

// One line per entry, so that an error is a line containing "fail:" (or "crit:") that the tests can find.
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss.fff ";
    o.ColorBehavior = LoggerColorBehavior.Disabled;
});
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Logging.AddFilter("SignalRLite.StackExchangeRedis", LogLevel.Information);

// --presence-expiry-ms N: cluster presence on (the presence tests kill this process and watch it vanish).
var presenceExpiryMs = builder.Configuration["presence-expiry-ms"];

builder.Services.AddSingleton<ChaosMetrics>();
var signalr = builder.Services.AddSignalRLite(o => o.EnableDetailedErrors = true);

// The drain test (tests/SignalRLite.Tests/Operations/MultiServerDrainTests.cs): --drain-closes-per-second N
// [--drain-deadline-ms M] turns on AddGracefulDrain; the drain's own log lines are kept (Information).
if (builder.Configuration["drain-closes-per-second"] is { } closesPerSecond)
{
    signalr.AddGracefulDrain(o =>
    {
        o.ClosesPerSecond = int.Parse(closesPerSecond, System.Globalization.CultureInfo.InvariantCulture);
        o.InvocationDeadline = TimeSpan.FromMilliseconds(int.Parse(builder.Configuration["drain-deadline-ms"] ?? "10000", System.Globalization.CultureInfo.InvariantCulture));
    });
    builder.Logging.AddFilter("SignalRLite.Internal.Drain", LogLevel.Information);
}

signalr
    .AddStackExchangeRedis(redis, o =>
    {
        o.Configuration.ChannelPrefix = RedisChannel.Literal(prefix);
        o.Configuration.AbortOnConnectFail = false;
        // The configured timeout the chaos tests hold the backplane to: a publish to a Redis that does not answer
        // fails after AsyncTimeout (checked on StackExchange.Redis's 1 s heartbeat).
        o.Configuration.ConnectTimeout = 2000;
        o.Configuration.AsyncTimeout = 2000;
        o.Configuration.SyncTimeout = 2000;
        o.Configuration.ReconnectRetryPolicy = new LinearRetry(250);
        if (presenceExpiryMs is not null)
        {
            o.PresenceExpiry = TimeSpan.FromMilliseconds(int.Parse(presenceExpiryMs, System.Globalization.CultureInfo.InvariantCulture));
        }
    });
if (presenceExpiryMs is not null)
{
    signalr.AddHubPresence();
}

var app = builder.Build();
app.Services.GetRequiredService<ChaosMetrics>();
app.MapHub<ChaosHub>("/hub");

// A broadcast storm from outside a hub: count messages tagged tag, numbered from 0, each padded to size characters.
// Every send is awaited (the rate is the backplane's); answers how many were sent before the first failure.
app.MapPost("/storm", async (string tag, int count, int size, IHubContext<ChaosHub> hub) =>
{
    var padding = new string('x', Math.Max(0, size));
    for (var i = 0; i < count; i++)
    {
        try
        {
            await hub.Clients.All.SendAsync("Receive", tag, i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "|" + padding);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return Results.Text($"{i} {ex.GetType().Name}");
        }
    }

    return Results.Text(count.ToString(System.Globalization.CultureInfo.InvariantCulture));
});

app.MapGet("/metrics", (ChaosMetrics metrics) => Results.Json(metrics.Snapshot()));

app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine($"ChaosServer ready on {string.Join(", ", app.Urls)} (pid {Environment.ProcessId})"));

app.Run();
