using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace SignalRLite.Tests.Packaging;

/// <summary>
/// Runs tests/js/corpus/corpus-client.js (the official @microsoft/signalr client in node) against one server and
/// reads its transcript. The client's packages come from tests/js/node_modules (npm ci there when missing).
/// </summary>
internal static class JsCorpusClient
{
    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    private static string JsDirectory => Path.Combine(LocalPackageFeed.Metadata("RepositoryRoot"), "tests", "js");

    public static async Task<Transcript> RunAsync(Uri server, string transport, string protocol)
    {
        await EnsureInstalledAsync();
        var targets = JsonSerializer.Serialize(new
        {
            hubTargets = DotNetCorpusClient.HubTargets.Select(t => new object[] { t.How, t.Args }),
            serviceTargets = DotNetCorpusClient.ServiceTargets.Select(t => new object[] { t.How, t.Args }),
        });
        var (exitCode, stdout, stderr) = await RunAsync("node", [Path.Combine("corpus", "corpus-client.js"), server.ToString().TrimEnd('/'), transport, protocol, targets], TimeSpan.FromMinutes(3));
        var transcript = new Transcript(server);
        foreach (var line in stdout.Split('\n').Where(l => l.StartsWith('[')))
        {
            var entry = JsonSerializer.Deserialize<string[]>(line)!;
            transcript.Add(entry[0], entry[1]);
        }

        if (exitCode != 0)
        {
            transcript.Add("node exit", $"{exitCode}: {stderr}");
        }

        return transcript;
    }

    private static async Task EnsureInstalledAsync()
    {
        await InstallGate.WaitAsync();
        try
        {
            if (File.Exists(Path.Combine(JsDirectory, "node_modules", "@microsoft", "signalr", "package.json")))
            {
                return;
            }

            var (exitCode, stdout, stderr) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], TimeSpan.FromMinutes(3));
            Assert.True(exitCode == 0, $"npm ci in tests/js failed ({exitCode}):\n{stdout}\n{stderr}");
        }
        finally
        {
            InstallGate.Release();
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string command, string[] args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(command)
        {
            WorkingDirectory = JsDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = new Process { StartInfo = info };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} {string.Join(' ', args)} did not finish in {timeout}:\n{stdout}\n{stderr}");
        }

        process.WaitForExit();
        lock (stdout)
        {
            lock (stderr)
            {
                return (process.ExitCode, stdout.ToString(), stderr.ToString());
            }
        }
    }
}
