using System.Text.Json;

namespace SignalRLite.Tests.Packaging;

/// <summary>
/// Runs tests/js/corpus/corpus-client.js (the official @microsoft/signalr client in node) against one server and
/// reads its transcript. The client's packages come from tests/js/node_modules (npm ci there when missing).
/// </summary>
internal static class JsCorpusClient
{
    public static async Task<Transcript> RunAsync(Uri server, string transport, string protocol)
    {
        await JsPackages.EnsureInstalledAsync();
        var targets = JsonSerializer.Serialize(new
        {
            hubTargets = DotNetCorpusClient.HubTargets.Select(t => new object[] { t.How, t.Args }),
            serviceTargets = DotNetCorpusClient.ServiceTargets.Select(t => new object[] { t.How, t.Args }),
        });
        var (exitCode, stdout, stderr) = await JsPackages.RunAsync("node", [Path.Combine("corpus", "corpus-client.js"), server.ToString().TrimEnd('/'), transport, protocol, targets], TimeSpan.FromMinutes(3));
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
}
