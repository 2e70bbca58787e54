using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using SignalRLite;

// SignalRLite wired into OpenTelemetry with the official server's meter and source names (so dashboards built for the
// official server keep working), plus SignalRLite's own meter and sources. Exports to the console, and to an OTLP
// collector when OTEL_EXPORTER_OTLP_ENDPOINT is set.
var builder = WebApplication.CreateBuilder(args);
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls("http://localhost:5001");
}

builder.Services.AddSignalRLite();

var otlp = !string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
builder.Services.AddOpenTelemetry()
    .WithMetrics(metrics =>
    {
        metrics.AddMeter("Microsoft.AspNetCore.Http.Connections") // official: connections and their duration
               .AddMeter("SignalRLite");                           // SignalRLite: invocations, messages, backplane, ...
        metrics.AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 10_000);
        if (otlp)
        {
            metrics.AddOtlpExporter();
        }
    })
    .WithTracing(tracing =>
    {
        tracing.AddSource("Microsoft.AspNetCore.SignalR.Server")     // official: one span per hub invocation
               .AddSource("SignalRLite")                             // SignalRLite: sends through Clients / IHubContext
               .AddSource("SignalRLite.StackExchangeRedis");         // SignalRLite: backplane hops
        tracing.AddConsoleExporter();
        if (otlp)
        {
            tracing.AddOtlpExporter();
        }
    });

var app = builder.Build();
app.MapHub<EchoHub>("/echo");
app.MapGet("/", () => "SignalRLite + OpenTelemetry sample: hub at /echo");
app.Run();

/// <summary>A hub whose invocations show up as spans and in the SignalRLite meter.</summary>
public sealed class EchoHub : Hub
{
    public string Echo(string message) => message;

    public Task Broadcast(string message) => Clients.All.SendAsync("Receive", message);
}
