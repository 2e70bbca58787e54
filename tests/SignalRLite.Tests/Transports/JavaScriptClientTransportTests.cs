using System.Diagnostics;

namespace SignalRLite.Tests.Transports;

/// <summary>The official JavaScript client (Node) over each transport against the transport layer alone (see <see cref="OfficialClientTransportTests.MiniHub"/>).</summary>
[Trait("Category", "Integration")]
public class JavaScriptClientTransportTests
{
    private static string ProbePath() => RepositoryPaths.Combine("tests", "SignalRLite.Tests", "Transports", "js", "probe.js");

    // The client comes from tests/js (installed by ./test.sh, or on first use by JsPackages), or from SIGNALR_JS_DIR
    // when set.
    private static async Task<string> NodeModulesAsync()
    {
        var custom = Environment.GetEnvironmentVariable("SIGNALR_JS_DIR");
        if (string.IsNullOrEmpty(custom))
        {
            await JsPackages.EnsureInstalledAsync();
        }

        var root = string.IsNullOrEmpty(custom) ? JsPackages.JsDirectory : custom;
        var modules = Path.GetFullPath(Path.Combine(root, "node_modules"));
        Assert.True(Directory.Exists(Path.Combine(modules, "@microsoft", "signalr")), $"{modules} has no @microsoft/signalr (run `npm ci` there).");
        return modules;
    }

    /// <summary>Runs <paramref name="script"/> with the official client on NODE_PATH; asserts exit code 0 and returns its standard output.</summary>
    internal static async Task<string> RunNodeAsync(string script, params string[] args)
    {
        var nodeModules = await NodeModulesAsync();
        var start = new ProcessStartInfo("node", [script, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["NODE_PATH"] = nodeModules },
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(process.ExitCode == 0, await stdout + await stderr);
        return await stdout;
    }

    [Theory]
    [InlineData("WebSockets", false)]
    [InlineData("WebSockets", true)]
    [InlineData("ServerSentEvents", false)]
    [InlineData("LongPolling", false)]
    public async Task JavaScriptClientConnectsExchangesAndStops(string transport, bool skipNegotiation)
    {
        var hub = new OfficialClientTransportTests.MiniHub();
        await using var server = await TransportTestServer.StartAsync(HostKind.Kestrel, o => o.LongPolling.PollTimeout = TimeSpan.FromSeconds(5), hub.RunAsync);
        await RunNodeAsync(ProbePath(), server.EndpointUri().ToString(), transport, skipNegotiation ? "true" : "false");
        Assert.Contains("\"arguments\":[\"abc\"]", await hub.Invoked.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        await hub.Ended.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await server.WaitForConnectionCountAsync(0);
    }
}
