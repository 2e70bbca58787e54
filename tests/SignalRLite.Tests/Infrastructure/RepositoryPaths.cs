using System.Reflection;

namespace SignalRLite.Tests;

/// <summary>
/// Files of the repository the tests read (the JS client, samples, fuzz seeds), found from the repository root the
/// build records in assembly metadata. Not from [CallerFilePath]: a CI build (ContinuousIntegrationBuild) maps
/// source paths to "/_/", which exists nowhere on disk.
/// </summary>
internal static class RepositoryPaths
{
    public static string Root { get; } =
        typeof(RepositoryPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "RepositoryRoot")?.Value
        ?? throw new InvalidOperationException("assembly metadata RepositoryRoot missing");

    public static string Combine(params string[] relative) => Path.GetFullPath(Path.Combine([Root, .. relative]));
}
