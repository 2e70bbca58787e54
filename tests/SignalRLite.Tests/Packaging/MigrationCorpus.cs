namespace SignalRLite.Tests.Packaging;

/// <summary>
/// The migration corpus (Packaging/MigrationApp, embedded as text) and the mechanical substitution of
/// docs/migration.md, done as plain text replacement.
/// </summary>
public static class MigrationCorpus
{
    public const string AssemblyName = "MigrationApp";

    public const string OfficialVersion = "10.0.15";

    /// <summary>The substitution, in order (the longer names first).</summary>
    public static readonly (string From, string To)[] Substitution =
    [
        ("Microsoft.AspNetCore.SignalR", "SignalRLite"),
        ("Microsoft.AspNetCore.Http.Connections", "SignalRLite.Http.Connections"),
        ("AddSignalR(", "AddSignalRLite("),
        ("AddSignalRCore(", "AddSignalRLiteCore("),
    ];

    /// <summary>The documented migration, applied to one file (source or project).</summary>
    public static string Migrate(string text)
    {
        foreach (var (from, to) in Substitution)
        {
            text = text.Replace(from, to, StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>The corpus files (relative path → text), as written against the official server.</summary>
    public static Dictionary<string, string> OriginalSources()
    {
        var assembly = typeof(MigrationCorpus).Assembly;
        var files = new Dictionary<string, string>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("MigrationApp/", StringComparison.Ordinal)))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            files[name["MigrationApp/".Length..]] = reader.ReadToEnd().ReplaceLineEndings("\n");
        }

        Assert.Contains("Program.cs", files.Keys);
        return files;
    }

    /// <summary>The official app's project: the shared framework plus the official add-on packages.</summary>
    public static string OfficialProjectFile() => Project($"""
        <PackageReference Include="Microsoft.AspNetCore.SignalR.Protocols.MessagePack" Version="{OfficialVersion}" />
            <PackageReference Include="Microsoft.AspNetCore.SignalR.StackExchangeRedis" Version="{OfficialVersion}" />
        """);

    /// <summary>The migrated project: the add-on references substituted (same rule), the version of the local feed, plus SignalRLite.</summary>
    public static string MigratedProjectFile(string version) =>
        Migrate(OfficialProjectFile()).Replace($"Version=\"{OfficialVersion}\"", $"Version=\"{version}\"", StringComparison.Ordinal)
            .Replace("<ItemGroup>", $"<ItemGroup>\n    <PackageReference Include=\"SignalRLite\" Version=\"{version}\" />", StringComparison.Ordinal);

    public static Dictionary<string, string> OfficialProject(Dictionary<string, string> sources) =>
        new(sources) { [AssemblyName + ".csproj"] = OfficialProjectFile() };

    public static Dictionary<string, string> MigratedProject(Dictionary<string, string> sources, string version)
    {
        var migrated = sources.ToDictionary(f => f.Key, f => Migrate(f.Value));
        migrated[AssemblyName + ".csproj"] = MigratedProjectFile(version);
        return migrated;
    }

    private static string Project(string references) => $"""
        <Project Sdk="Microsoft.NET.Sdk.Web">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
            <!-- The official MessagePack package asks for MessagePack 2.5.303, which the registry here does not serve. -->
            <WarningsNotAsErrors>NU1603</WarningsNotAsErrors>
          </PropertyGroup>
          <ItemGroup>
            {references}
          </ItemGroup>
        </Project>
        """;
}
