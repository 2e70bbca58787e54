using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace SignalRLite.Tests.Transports;

/// <summary>Runs only when <c>SIGNALR_JS_DIR</c> names a folder where <c>npm install @microsoft/signalr@10.0.11</c> was run.</summary>
public sealed class JavaScriptClientTheoryAttribute : TheoryAttribute
{
    public JavaScriptClientTheoryAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SIGNALR_JS_DIR")) || !File.Exists("/usr/bin/node"))
        {
            Skip = "Set SIGNALR_JS_DIR to a folder with node_modules/@microsoft/signalr (10.0.11) and install node.";
        }
    }
}

/// <summary>The official JavaScript client (Node) over each transport against the transport layer alone (see <see cref="OfficialClientTransportTests.MiniHub"/>).</summary>
public class JavaScriptClientTransportTests
{
    private static string ProbePath([CallerFilePath] string source = "") => Path.Combine(Path.GetDirectoryName(source)!, "js", "probe.js");

    [JavaScriptClientTheory]
    [InlineData("WebSockets", false)]
    [InlineData("WebSockets", true)]
    [InlineData("ServerSentEvents", false)]
    [InlineData("LongPolling", false)]
    public async Task JavaScriptClientConnectsExchangesAndStops(string transport, bool skipNegotiation)
    {
        var hub = new OfficialClientTransportTests.MiniHub();
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, o => o.LongPolling.PollTimeout = TimeSpan.FromSeconds(5), hub.RunAsync);
        var start = new ProcessStartInfo("node", [ProbePath(), server.EndpointUri().ToString(), transport, skipNegotiation ? "true" : "false"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(process.ExitCode == 0, await stdout + await stderr);
        Assert.Contains("\"arguments\":[\"abc\"]", await hub.Invoked.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        await hub.Ended.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await server.WaitForConnectionCountAsync(0);
    }
}
