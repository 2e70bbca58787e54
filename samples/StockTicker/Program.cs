using StockTicker;

var builder = WebApplication.CreateBuilder(args);

// `dotnet run --project samples/StockTicker` listens on http://localhost:5001 (launchSettings.json);
// running the built dll directly does too, unless --urls / ASPNETCORE_URLS says otherwise.
if (string.IsNullOrEmpty(builder.Configuration["urls"]) &&
    string.IsNullOrEmpty(builder.Configuration["http_ports"]) &&
    string.IsNullOrEmpty(builder.Configuration["https_ports"]))
{
    builder.WebHost.UseUrls("http://localhost:5001");
}

builder.Services.Configure<StockTickerOptions>(builder.Configuration.GetSection("StockTicker"));
builder.Services.AddSingleton<StockMarket>();
builder.Services.AddHostedService<StockTickerService>();
builder.Services.AddSignalRLite();

var app = builder.Build();

app.UseDefaultFiles();
app.UseStaticFiles();
app.MapHub<StockTickerHub>("/stocks");

app.Run();
