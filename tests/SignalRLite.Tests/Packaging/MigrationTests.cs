using System.Diagnostics;
using ClientTransport = Microsoft.AspNetCore.Http.Connections.HttpTransportType;
using Xunit.Abstractions;

namespace SignalRLite.Tests.Packaging;

/// <summary>
/// docs/migration.md as a test: the corpus (Packaging/MigrationApp, embedded as text: hubs, filters, services and
/// Program.cs written the way the official docs teach them) is built unchanged against the official server and,
/// after the mechanical substitution, against the SignalRLite packages of the local feed. Both are started and
/// driven by the official .NET and JavaScript clients; what the clients observe (the transcripts) must be equal,
/// the official server being the oracle.
/// </summary>
[Collection(PackagingCollection.Name)]
[Trait("Category", "Integration")]
public sealed class MigrationTests(LocalPackageFeed feed, CorpusServers servers, ITestOutputHelper output) : IClassFixture<CorpusServers>
{
    /// <summary>What the corpus must keep using (a guard against it shrinking): text of the unchanged sources.</summary>
    private static readonly string[] CorpusCoverage =
    [
        ": Hub", ": Hub<IChatClient>", ": DynamicHub", "Clients.Client(", "Clients.Clients(args.ToList())", "Clients.Clients(args[0], args[1])",
        "Clients.AllExcept(args[0])", "Clients.AllExcept(new HashSet<string>(args))", "Clients.Group(", "Clients.Groups(args[0], args[1])",
        "Clients.Groups(new HashSet<string>(args))", "Clients.GroupExcept(args[0], args[1])", "Clients.OthersInGroup(", "Clients.User(",
        "Clients.Users(args[0], args[1])", "Clients.Caller", "Clients.Others", "Clients.All", "IHubContext<ClientsHub>",
        "IHubContext<TypedHub, IChatClient>", ": BackgroundService", ": IHubFilter", "options.AddFilter<", "options.AddFilter(new",
        ": IUserIdProvider", "options.Transports =", "CloseOnAuthenticationExpiration", "LongPolling.PollTimeout", "PayloadSerializerOptions",
        ".AddMessagePackProtocol()", ".AddStackExchangeRedis(", ": IHubProtocol", "TryAddEnumerable(", "Context.GetHttpContext()",
        "Context.Features.Get<IHttpTransportFeature>()", "Clients.Caller.InvokeAsync<", "IAsyncEnumerable<int> numbers", "ChannelReader<string> parts",
        "ChannelReader<string> Letters", "throw new HubException(", "[HubMethodName(", "[Authorize]",
    ];

    /// <summary>
    /// Deliberate differences listed in docs/migration.md ("What still differs"), accepted only with exactly these
    /// values (transcript key → official, SignalRLite). Scenarios otherwise avoid the listed differences.
    /// </summary>
    private static readonly Dictionary<string, (string Official, string Lite)> DocumentedDifferences = new()
    {
        // None: every difference docs/migration.md keeps is one the corpus does not reach (see its section 3).
    };

    public static TheoryData<string, string, string> Clients => new()
    {
        { "dotnet", "WebSockets", "json" },
        { "dotnet", "LongPolling", "messagepack" },
        { "dotnet", "ServerSentEvents", "json" },
        { "js", "websockets", "json" },
        { "js", "longpolling", "json" },
        { "js", "sse", "json" },
        { "js", "websockets", "messagepack" },
    };

    [Fact]
    public void TheMigrationIsTheMechanicalSubstitution()
    {
        var original = MigrationCorpus.OriginalSources();
        var allText = string.Join("\n", original.Values);
        var missing = CorpusCoverage.Where(snippet => !allText.Contains(snippet, StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, $"the corpus no longer uses: {string.Join(", ", missing)}");

        var migrated = MigrationCorpus.MigratedProject(original, "1.2.3");
        foreach (var (file, text) in migrated)
        {
            Assert.DoesNotContain("Microsoft.AspNetCore.SignalR", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Microsoft.AspNetCore.Http.Connections", text, StringComparison.Ordinal);
            Assert.DoesNotContain("AddSignalR(", text, StringComparison.Ordinal);
        }

        // Only lines naming what the substitution replaces change, and nothing else in them.
        foreach (var (file, text) in original)
        {
            var before = text.Split('\n');
            var after = migrated[file].Split('\n');
            Assert.Equal(before.Length, after.Length);
            for (var i = 0; i < before.Length; i++)
            {
                var touched = MigrationCorpus.Substitution.Any(s => before[i].Contains(s.From, StringComparison.Ordinal));
                Assert.True(touched ? after[i] != before[i] : after[i] == before[i], $"{file}:{i + 1}: {before[i]} -> {after[i]}");
            }
        }

        Assert.Equal(
            """
            <PackageReference Include="SignalRLite" Version="1.2.3" />
                <PackageReference Include="SignalRLite.Protocols.MessagePack" Version="1.2.3" />
                <PackageReference Include="SignalRLite.StackExchangeRedis" Version="1.2.3" />
            """,
            string.Join("\n", migrated[MigrationCorpus.AssemblyName + ".csproj"].Split('\n').Where(l => l.Contains("PackageReference", StringComparison.Ordinal))).Trim());
    }

    [Fact]
    public async Task TheCorpusBuildsAndRunsOnTheOfficialServer()
    {
        var (official, _) = await servers.StartAsync(feed);
        output.WriteLine($"official build: {official.BuildTime.TotalSeconds:F1} s");
        Assert.True(official.Failure is null, official.Failure);
    }

    [Fact]
    public async Task TheMigratedCorpusBuildsAndRunsOnSignalRLite()
    {
        var (_, lite) = await servers.StartAsync(feed);
        output.WriteLine($"signalrlite build: {lite.BuildTime.TotalSeconds:F1} s");
        Assert.True(lite.Failure is null, lite.Failure);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task TranscriptsAreEqual(string client, string transport, string protocol)
    {
        await CompareAsync($"{client} {transport}/{protocol}", server => client == "dotnet"
            ? DotNetCorpusClient.RunAsync(server, Enum.Parse<ClientTransport>(transport), protocol == "messagepack")
            : JsCorpusClient.RunAsync(server, transport, protocol));
    }

    [Fact]
    public async Task LineProtocolTranscriptsAreEqual()
    {
        await CompareAsync("line protocol over WebSockets", LineProtocolCorpusClient.RunAsync);
    }

    private async Task CompareAsync(string title, Func<Uri, Task<Transcript>> run)
    {
        var (official, lite) = await servers.StartAsync(feed);
        var clock = Stopwatch.StartNew();
        var expected = await run(official.Server);
        output.WriteLine($"official: {expected.Lines.Count} lines in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(lite.Failure is null, $"{title}: no transcript from SignalRLite, {lite.Failure}\n\nofficial transcript:\n{expected}");
        clock.Restart();
        var actual = await run(lite.Server);
        output.WriteLine($"signalrlite: {actual.Lines.Count} lines in {clock.Elapsed.TotalSeconds:F1} s");
        output.WriteLine(expected.ToString());
        foreach (var note in Transcript.AcceptDocumented(expected, actual, DocumentedDifferences))
        {
            output.WriteLine(note);
        }

        var diff = Transcript.Diff(title, expected, actual);
        Assert.True(diff is null, diff);
    }
}
