using System.Diagnostics;
using System.Text.RegularExpressions;

namespace SignalRLite.Tests.Packaging;

/// <summary>
/// The corpus (Packaging/MigrationApp, embedded text) built and started twice, once per test class: unchanged
/// against the official server, and after <see cref="MigrationCorpus.Migrate"/> against the SignalRLite packages of
/// the local feed. The two builds run at the same time. A build that fails is kept as a result (its errors), not
/// thrown, so each test reports it.
/// </summary>
public sealed partial class CorpusServers : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Task<(Side Official, Side Lite)>? _started;

    /// <summary>One build of the corpus: its app when it built and started, else what went wrong.</summary>
    internal sealed record Side(string Name, ExternalApp? App, string? Failure, TimeSpan BuildTime)
    {
        public Uri Server => App?.BaseAddress ?? throw new InvalidOperationException($"the {Name} build of the corpus is not running:\n{Failure}");
    }

    internal async Task<(Side Official, Side Lite)> StartAsync(LocalPackageFeed feed)
    {
        await _gate.WaitAsync();
        try
        {
            _started ??= StartBothAsync(feed);
        }
        finally
        {
            _gate.Release();
        }

        return await _started;
    }

    private static async Task<(Side, Side)> StartBothAsync(LocalPackageFeed feed)
    {
        var official = StartSideAsync("official", feed, MigrationCorpus.OfficialProject(MigrationCorpus.OriginalSources()));
        var lite = StartSideAsync("signalrlite", feed, MigrationCorpus.MigratedProject(MigrationCorpus.OriginalSources(), feed.Version));
        return (await official, await lite);
    }

    private static async Task<Side> StartSideAsync(string name, LocalPackageFeed feed, Dictionary<string, string> files)
    {
        var directory = ExternalApp.Create($"corpus-{name}", files);
        feed.WriteNuGetConfig(directory);
        var build = Stopwatch.StartNew();
        try
        {
            await ExternalApp.BuildAsync(directory, feed.Environment);
        }
        catch (Exception ex)
        {
            return new Side(name, null, $"the {name} build of the corpus failed:\n{CompilerErrors(ex.Message)}", build.Elapsed);
        }

        try
        {
            // In memory: the transcripts compare the order of deliveries to different targets, which a backplane does not
            // keep across its channels (on either server). AddStackExchangeRedis still compiles in the corpus; the
            // backplane's behaviour is covered by Redis/RedisBackplaneTests. Set SIGNALRLITE_CORPUS_REDIS to run the
            // corpus over Redis by hand (separate channel prefixes: the two servers' payloads differ).
            var redis = Environment.GetEnvironmentVariable("SIGNALRLITE_CORPUS_REDIS") ?? "";
            var app = await ExternalApp.StartAsync(directory, MigrationCorpus.AssemblyName, new Dictionary<string, string>
            {
                ["SIGNALRLITE_REDIS"] = redis,
                ["CORPUS_CHANNEL_PREFIX"] = $"corpus-{name}",
            });
            return new Side(name, app, null, build.Elapsed);
        }
        catch (Exception ex)
        {
            return new Side(name, null, $"the {name} build of the corpus did not start:\n{ex.Message}", build.Elapsed);
        }
    }

    /// <summary>The distinct error lines of a build output (with the temp directory cut), or the whole output.</summary>
    public static string CompilerErrors(string output)
    {
        var errors = output.Split('\n')
            .Where(l => ErrorRegex().IsMatch(l))
            .Select(l => TempPathRegex().Replace(l.Trim(), ""))
            .Select(l => ProjectSuffixRegex().Replace(l, ""))
            .Distinct()
            .ToList();
        return errors.Count == 0 ? output : string.Join("\n", errors);
    }

    public async Task InitializeAsync() => await Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_started is null)
        {
            return;
        }

        try
        {
            var (official, lite) = await _started;
            foreach (var app in new[] { official.App, lite.App })
            {
                if (app is not null)
                {
                    await app.DisposeAsync();
                }
            }
        }
        catch (Exception)
        {
            // Start failures are reported by the tests.
        }
    }

    [GeneratedRegex(@": error [A-Z]+\d+:")]
    private static partial Regex ErrorRegex();

    [GeneratedRegex(@"^/\S*?/signalrlite-corpus-[a-z]+-[^/]+/")]
    private static partial Regex TempPathRegex();

    [GeneratedRegex(@" \[/\S+\.csproj\]$")]
    private static partial Regex ProjectSuffixRegex();
}
