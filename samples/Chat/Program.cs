using Chat;

var builder = WebApplication.CreateBuilder(args);

// `dotnet run --project samples/Chat` listens on http://localhost:5000 (launchSettings.json);
// running the built dll directly does too, unless --urls / ASPNETCORE_URLS says otherwise.
if (string.IsNullOrEmpty(builder.Configuration["urls"]) &&
    string.IsNullOrEmpty(builder.Configuration["http_ports"]) &&
    string.IsNullOrEmpty(builder.Configuration["https_ports"]))
{
    builder.WebHost.UseUrls("http://localhost:5000");
}

builder.Services.AddSignalRLite();

var app = builder.Build();

app.UseDefaultFiles();
app.UseStaticFiles();
app.MapHub<ChatHub>("/chat");

app.Run();
