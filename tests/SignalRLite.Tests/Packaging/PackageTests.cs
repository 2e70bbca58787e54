using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace SignalRLite.Tests.Packaging;

/// <summary>
/// The packages as a user gets them: packed from src/, restored by version from a folder feed into a fresh web app
/// outside the repository, built, started on Kestrel, and used by the official .NET client.
/// </summary>
[Collection(PackagingCollection.Name)]
[Trait("Category", "Integration")]
public sealed class PackageTests(LocalPackageFeed feed, ITestOutputHelper output)
{
    [Fact]
    public void PackagesCarryMetadataSymbolsAndExactSiblingDependencies()
    {
        Assert.Contains("SignalRLite", feed.PackageIds);
        Assert.Contains("SignalRLite.Protocols.MessagePack", feed.PackageIds);
        foreach (var id in feed.PackageIds)
        {
            var path = Path.Combine(feed.FeedDirectory, $"{id}.{feed.Version}.nupkg");
            Assert.True(File.Exists(Path.Combine(feed.FeedDirectory, $"{id}.{feed.Version}.snupkg")), $"{id}: no symbols package");
            using var zip = ZipFile.OpenRead(path);
            var nuspec = XDocument.Load(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            XNamespace ns = nuspec.Root!.Name.Namespace;
            var metadata = nuspec.Root.Element(ns + "metadata")!;
            string? Value(string name) => metadata.Element(ns + name)?.Value;

            Assert.Equal(id, Value("id"));
            Assert.Equal(feed.Version, Value("version"));
            Assert.Equal("MIT", Value("license"));
            Assert.False(string.IsNullOrWhiteSpace(Value("description")), $"{id}: no description");
            Assert.Contains("signalr", Value("tags") ?? "");
            Assert.Equal("README.md", Value("readme"));
            Assert.NotNull(zip.GetEntry("README.md"));
            Assert.NotNull(zip.GetEntry($"lib/net10.0/{id}.dll"));
            Assert.NotNull(zip.GetEntry($"lib/net10.0/{id}.xml"));
            var repository = metadata.Element(ns + "repository");
            Assert.NotNull(repository);
            Assert.StartsWith("https://", repository!.Attribute("url")?.Value);

            var frameworks = metadata.Descendants(ns + "frameworkReference").Select(f => f.Attribute("name")!.Value).ToList();
            Assert.Equal(["Microsoft.AspNetCore.App"], frameworks);
            var dependencies = metadata.Descendants(ns + "dependency")
                .ToDictionary(d => d.Attribute("id")!.Value, d => d.Attribute("version")!.Value);
            output.WriteLine($"{id} {new FileInfo(path).Length} bytes: {string.Join(", ", dependencies.Select(d => $"{d.Key} {d.Value}"))}");

            // Nothing from the shared framework, no official SignalR package, siblings at exactly this version.
            Assert.DoesNotContain(dependencies.Keys, d => d.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) || d.StartsWith("Microsoft.Extensions", StringComparison.Ordinal));
            foreach (var sibling in dependencies.Keys.Where(feed.PackageIds.Contains))
            {
                Assert.Equal($"[{feed.Version}]", dependencies[sibling]);
            }

            if (id == "SignalRLite")
            {
                Assert.Empty(dependencies);
                Assert.NotNull(zip.GetEntry("analyzers/dotnet/cs/SignalRLite.Analyzers.dll"));
                Assert.NotNull(zip.GetEntry("buildTransitive/SignalRLite.props"));
            }
            else
            {
                Assert.Contains("SignalRLite", dependencies.Keys);
            }

            if (id == "SignalRLite.Protocols.MessagePack")
            {
                Assert.Equal("[2.5.307, 3.0.0)", dependencies["MessagePack"]);
                Assert.Equal(2, dependencies.Count);
            }

            if (id == "SignalRLite.StackExchangeRedis")
            {
                Assert.Equal("[3.4.35, 4.0.0)", dependencies["StackExchange.Redis"]);
            }
        }
    }

    /// <summary>The analyzers in analyzers/dotnet/cs load in the SDK's compiler and fail the build of a refused hub shape.</summary>
    [Fact]
    public async Task PackagedAnalyzersReportAnOverloadedHubMethodAtBuildTime()
    {
        var directory = ExternalApp.Create("analyzer-app", new Dictionary<string, string>
        {
            ["AnalyzerApp.csproj"] = $"""
                <Project Sdk="Microsoft.NET.Sdk.Web">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="SignalRLite" Version="{feed.Version}" />
                  </ItemGroup>
                </Project>
                """,
            ["Program.cs"] = """
                var app = WebApplication.CreateBuilder(args).Build();
                app.Run();

                public class ChatHub : SignalRLite.Hub
                {
                    public Task Send(string message) => Task.CompletedTask;

                    public Task Send(string user, string message) => Task.CompletedTask;
                }
                """,
        });
        feed.WriteNuGetConfig(directory);

        // BuildAsync deletes the directory when the build fails.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ExternalApp.BuildAsync(directory, feed.Environment));
        output.WriteLine(error.Message);
        Assert.Contains("error SRL0001: Hub 'ChatHub' has more than one method named 'Send'", error.Message);
    }

    [Fact]
    public async Task FreshAppRestoresThePackagesByVersionAndServesTheOfficialClient()
    {
        var references = string.Join("\n    ", feed.PackageIds.Select(id => $"""<PackageReference Include="{id}" Version="{feed.Version}" />"""));
        var directory = ExternalApp.Create("fresh-app", new Dictionary<string, string>
        {
            ["FreshApp.csproj"] = $"""
                <Project Sdk="Microsoft.NET.Sdk.Web">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                  </PropertyGroup>
                  <ItemGroup>
                    {references}
                  </ItemGroup>
                </Project>
                """,
            ["Program.cs"] = """
                using SignalRLite;

                var builder = WebApplication.CreateBuilder(args);
                builder.Services.AddSignalRLite().AddMessagePackProtocol();
                var app = builder.Build();
                app.MapHub<EchoHub>("/echo");
                app.Run();

                public class EchoHub : Hub
                {
                    public string Echo(string text) => text;

                    public Task Shout(string text) => Clients.Caller.SendAsync("Heard", text.ToUpperInvariant());
                }
                """,
        });
        feed.WriteNuGetConfig(directory);

        var build = Stopwatch.StartNew();
        await ExternalApp.BuildAsync(directory, feed.Environment);
        output.WriteLine($"pack (fixture): {feed.PackDuration.TotalSeconds:F1} s; restore + build of the fresh app: {build.Elapsed.TotalSeconds:F1} s");

        await using var app = await ExternalApp.StartAsync(directory, "FreshApp");

        // Restored from the feed by version, not from the repository.
        var assets = await File.ReadAllTextAsync(Path.Combine(directory, "obj", "project.assets.json"));
        Assert.Contains($"\"SignalRLite/{feed.Version}\"", assets);
        Assert.True(Directory.Exists(Path.Combine(feed.PackagesDirectory, "signalrlite", feed.Version.ToLowerInvariant())));
        Assert.DoesNotContain("\"type\": \"project\"", assets);

        foreach (var messagePack in new[] { false, true })
        {
            var builder = new HubConnectionBuilder().WithUrl(new Uri(app.BaseAddress, "echo"));
            if (messagePack)
            {
                builder.AddMessagePackProtocol();
            }

            await using var connection = builder.Build();
            var heard = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            connection.On<string>("Heard", text => heard.TrySetResult(text));
            await connection.StartAsync();
            Assert.Equal("hello", await connection.InvokeAsync<string>("Echo", "hello"));
            await connection.SendAsync("Shout", "hello");
            Assert.Equal("HELLO", await heard.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        }
    }
}
