using System.Reflection;
using System.Text.RegularExpressions;

namespace SignalRLite.Tests.Packaging;

/// <summary>
/// Packs every project under src/ once per test run into a folder feed in a temp directory, with a version no
/// earlier run used (so no package cache can answer for it), and prepares a NuGet configuration for apps outside
/// the repository: the local feed plus the machine's own sources (from the user-level NuGet.Config), a private
/// global packages folder, and the machine's global packages folder as a read-only fallback (no downloads for
/// packages it already has).
/// </summary>
public sealed partial class LocalPackageFeed : IAsyncLifetime
{
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(4);

    public string Root { get; } = Directory.CreateTempSubdirectory("signalrlite-packages-").FullName;

    public string FeedDirectory => Path.Combine(Root, "feed");

    public string PackagesDirectory => Path.Combine(Root, "global-packages");

    public string RepositoryRoot { get; } = Metadata("RepositoryRoot");

    public string Version { get; private set; } = "";

    /// <summary>The package ids in the feed (one per src project).</summary>
    public IReadOnlyList<string> PackageIds { get; private set; } = [];

    /// <summary>What packing took.</summary>
    public TimeSpan PackDuration { get; private set; }

    /// <summary>Environment for a child `dotnet` that restores from this feed.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string> { ["NUGET_PACKAGES"] = PackagesDirectory };

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(FeedDirectory);
        Directory.CreateDirectory(PackagesDirectory);
        var props = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot, "Directory.Build.props"));
        var prefix = VersionPrefixRegex().Match(props).Groups[1].Value;
        Version = $"{prefix}-test.{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}";

        var started = System.Diagnostics.Stopwatch.StartNew();
        var projects = Directory.GetDirectories(Path.Combine(RepositoryRoot, "src"))
            .SelectMany(d => Directory.GetFiles(d, "*.csproj"))
            // src/SignalRLite.Analyzers ships inside the SignalRLite package, not as a package of its own.
            .Where(p => !File.ReadAllText(p).Contains("<IsPackable>false</IsPackable>", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        var configuration = Metadata("Configuration");
        foreach (var project in projects)
        {
            // The test project references every src project, so its build already compiled them in this
            // configuration: pack that build. A project it does not reference is built by the pack.
            var built = File.Exists(Path.Combine(Path.GetDirectoryName(project)!, "bin", configuration, "net10.0", Path.GetFileNameWithoutExtension(project) + ".dll"));
            string[] args = ["pack", project, "-c", configuration, "-o", FeedDirectory, "-nologo", "-v:q", "-nodeReuse:false", $"-p:PackageVersion={Version}"];
            await DotnetCli.RunAsync(RepositoryRoot, CommandTimeout, null, built ? [.. args, "--no-build"] : args);
        }

        PackDuration = started.Elapsed;
        PackageIds = projects.Select(Path.GetFileNameWithoutExtension).ToList()!;
        foreach (var id in PackageIds)
        {
            Assert.True(File.Exists(Path.Combine(FeedDirectory, $"{id}.{Version}.nupkg")), $"{id}.{Version}.nupkg was not produced");
        }
    }

    /// <summary>Writes a nuget.config for an app in <paramref name="directory"/>.</summary>
    public void WriteNuGetConfig(string directory)
    {
        var machinePackages = System.Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{PackagesDirectory}" />
              </config>
              <packageSources>
                <!-- No <clear />: the machine's sources (user-level NuGet.Config) stay in effect. -->
                <add key="signalrlite-local" value="{FeedDirectory}" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="machine" value="{machinePackages}" />
              </fallbackPackageFolders>
            </configuration>
            """);
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    internal static string Metadata(string key) =>
        typeof(LocalPackageFeed).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    [GeneratedRegex("<VersionPrefix>([^<]+)</VersionPrefix>")]
    private static partial Regex VersionPrefixRegex();
}

// Runs alone (after the parallel collections): its child builds would load the CPU under timing-sensitive tests.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PackagingCollection : ICollectionFixture<LocalPackageFeed>
{
    public const string Name = "Packaging";
}
