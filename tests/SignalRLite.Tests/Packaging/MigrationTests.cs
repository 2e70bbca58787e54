using System.Diagnostics;
using System.Net.Http;
using System.Reflection;
using System.Runtime.CompilerServices;
using ClientTransport = Microsoft.AspNetCore.Http.Connections.HttpTransportType;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.Tests.Interop;
using Xunit.Abstractions;

namespace SignalRLite.Tests.Packaging;

/// <summary>
/// docs/migration.md as a test: an app written against ASP.NET Core SignalR (Packaging/MigrationApp, embedded as
/// text) gets exactly the documented change, is built against the SignalRLite packages from the local feed, started,
/// and passes the same interop checks with the official .NET client as the unchanged app on the official server.
/// </summary>
[Collection(PackagingCollection.Name)]
public sealed class MigrationTests(LocalPackageFeed feed, ITestOutputHelper output)
{
    /// <summary>The documented migration, applied to one source file.</summary>
    public static string Migrate(string source) => source
        .Replace("using Microsoft.AspNetCore.SignalR;", "using SignalRLite;", StringComparison.Ordinal)
        .Replace("using Microsoft.AspNetCore.Http.Connections;\n", "", StringComparison.Ordinal)
        .Replace(".AddSignalR(", ".AddSignalRLite(", StringComparison.Ordinal);

    [Fact]
    public void MigrationChangesOnlyUsingsAndTheRegistrationCall()
    {
        var original = OriginalSources();
        var migrated = original.ToDictionary(f => f.Key, f => Migrate(f.Value));
        var removed = original.SelectMany(f => f.Value.Split('\n').Except(migrated[f.Key].Split('\n')).Select(l => $"{f.Key}: {l}")).Order(StringComparer.Ordinal);
        var added = original.SelectMany(f => migrated[f.Key].Split('\n').Except(f.Value.Split('\n')).Select(l => $"{f.Key}: {l}")).Order(StringComparer.Ordinal);
        Assert.Equal(
            ["Hubs.cs: using Microsoft.AspNetCore.SignalR;", "Program.cs: builder.Services.AddSignalR(options =>", "Program.cs: using Microsoft.AspNetCore.Http.Connections;", "Program.cs: using Microsoft.AspNetCore.SignalR;"],
            removed);
        Assert.Equal(["Hubs.cs: using SignalRLite;", "Program.cs: builder.Services.AddSignalRLite(options =>", "Program.cs: using SignalRLite;"], added);
    }

    [Fact]
    public async Task MigratedAppRunsOnSignalRLitePackages()
    {
        var directory = ExternalApp.Create("migrated-app", WithProject(
            OriginalSources().ToDictionary(f => f.Key, f => Migrate(f.Value)),
            $"""
            <PackageReference Include="SignalRLite" Version="{feed.Version}" />
                <PackageReference Include="SignalRLite.Protocols.MessagePack" Version="{feed.Version}" />
            """));
        feed.WriteNuGetConfig(directory);
        await BuildAndCheckAsync(directory, feed.Environment);
    }

    [Fact]
    public async Task OriginalAppPassesTheSameChecksOnTheOfficialServer()
    {
        // The oracle: the unchanged text is a real ASP.NET Core SignalR app, and the checks hold for the official server.
        var directory = ExternalApp.Create("official-app", WithProject(
            OriginalSources(),
            """<PackageReference Include="Microsoft.AspNetCore.SignalR.Protocols.MessagePack" Version="10.0.15" />"""));
        feed.WriteNuGetConfig(directory);
        await BuildAndCheckAsync(directory, feed.Environment);
    }

    private async Task BuildAndCheckAsync(string directory, IReadOnlyDictionary<string, string> environment)
    {
        var build = Stopwatch.StartNew();
        await ExternalApp.BuildAsync(directory, environment);
        output.WriteLine($"restore + build: {build.Elapsed.TotalSeconds:F1} s");
        var run = Stopwatch.StartNew();
        await using var app = await ExternalApp.StartAsync(directory, "MigrationApp");
        foreach (var (transport, messagePack) in new[] { (ClientTransport.WebSockets, false), (ClientTransport.LongPolling, true), (ClientTransport.WebSockets, true) })
        {
            await CheckAsync(app.BaseAddress, transport, messagePack);
        }

        output.WriteLine($"start + checks: {run.Elapsed.TotalSeconds:F1} s");
    }

    private static async Task CheckAsync(Uri baseAddress, ClientTransport transport, bool messagePack)
    {
        var timeout = TimeSpan.FromSeconds(10);
        HubConnection Connect(string path)
        {
            var builder = new HubConnectionBuilder().WithUrl(new Uri(baseAddress, path), transport);
            if (messagePack)
            {
                builder.AddMessagePackProtocol();
            }

            return builder.Build();
        }

        await using var a = Connect("chat");
        await using var b = Connect("chat");
        await using var outsider = Connect("chat");
        var aInbox = new Inbox(a);
        var bInbox = new Inbox(b);
        var outsiderInbox = new Inbox(outsider);
        a.On<string, string>("Ask", question => $"yes to {question}");
        await Task.WhenAll(a.StartAsync(), b.StartAsync(), outsider.StartAsync());

        // Invoke, errors.
        Assert.Equal("hello", await a.InvokeAsync<string>("Echo", "hello").WaitAsync(timeout));
        var error = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => a.InvokeAsync("Fail").WaitAsync(timeout));
        Assert.Contains("refused on purpose", error.Message);

        // Group broadcast: members get it, the outsider's first message is the later broadcast to all.
        await a.InvokeAsync("Join", "room").WaitAsync(timeout);
        await b.InvokeAsync("Join", "room").WaitAsync(timeout);
        await b.InvokeAsync("SendToGroup", "room", "to the room").WaitAsync(timeout);
        Assert.Equal((b.ConnectionId!, "to the room"), await aInbox.NextAsync());
        Assert.Equal((b.ConnectionId!, "to the room"), await bInbox.NextAsync());
        using (var http = new HttpClient { BaseAddress = baseAddress })
        {
            (await http.PostAsync("announce?text=everyone", null)).EnsureSuccessStatusCode();
        }

        Assert.Equal(("server", "everyone"), await outsiderInbox.NextAsync());
        Assert.Equal(("server", "everyone"), await aInbox.NextAsync());

        // Streams both ways.
        var counted = new List<int>();
        await foreach (var i in a.StreamAsync<int>("Count", 5).WithCancellation(new CancellationTokenSource(timeout).Token))
        {
            counted.Add(i);
        }

        Assert.Equal([1, 2, 3, 4, 5], counted);
        var letters = await a.StreamAsChannelAsync<string>("Letters", "abc").WaitAsync(timeout);
        Assert.Equal(["a", "b", "c"], await letters.ReadAllAsync().ToListAsync().AsTask().WaitAsync(timeout));
        Assert.Equal(6, await a.InvokeAsync<int>("Sum", Numbers(3)).WaitAsync(timeout));

        // Client results, plain and strongly typed.
        Assert.Equal("caller said yes to ready?", await a.InvokeAsync<string>("AskCaller", "ready?").WaitAsync(timeout));
        await using var typed = Connect("typed");
        var typedInbox = new Inbox(typed);
        typed.On("GetName", () => "Ann");
        await typed.StartAsync();
        Assert.Equal("Ann", await typed.InvokeAsync<string>("WhoAmI").WaitAsync(timeout));
        Assert.Equal(("server", "Ann is here"), await typedInbox.NextAsync());
    }

    private static async IAsyncEnumerable<int> Numbers(int to, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 1; i <= to; i++)
        {
            await Task.Yield();
            yield return i;
        }
    }

    private static Dictionary<string, string> WithProject(Dictionary<string, string> sources, string references)
    {
        sources["MigrationApp.csproj"] = $"""
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
        return sources;
    }

    private static Dictionary<string, string> OriginalSources()
    {
        var assembly = typeof(MigrationTests).Assembly;
        var files = new Dictionary<string, string>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("MigrationApp/", StringComparison.Ordinal)))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            files[name["MigrationApp/".Length..]] = reader.ReadToEnd().ReplaceLineEndings("\n");
        }

        Assert.Equal(["Hubs.cs", "Program.cs"], files.Keys.Order(StringComparer.Ordinal));
        return files;
    }
}
