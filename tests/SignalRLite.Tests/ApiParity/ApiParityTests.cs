using System.Reflection;
using System.Text;
using Xunit.Abstractions;
using SignalRLite.Http.Connections.Features;

namespace SignalRLite.Tests.ApiParity;

/// <summary>
/// Every app-facing public member of the official server exists in SignalRLite with the same signature, modifiers,
/// generic constraints and relative namespace. The official surface is read by reflection from the assemblies of the
/// installed shared framework and of the official MessagePack and StackExchangeRedis packages: names and signatures
/// only, never their code. Adding a member to the official server makes this test fail until SignalRLite has it.
/// </summary>
public sealed class ApiParityTests(ITestOutputHelper output)
{
    /// <summary>The namespace substitution of docs/migration.md, longest prefix first.</summary>
    private static readonly (string Official, string Ours)[] Namespaces =
    [
        ("Microsoft.AspNetCore.SignalR.StackExchangeRedis", "SignalRLite.StackExchangeRedis"),
        ("Microsoft.AspNetCore.SignalR.Protocol", "SignalRLite.Protocol"),
        ("Microsoft.AspNetCore.SignalR", "SignalRLite"),
        ("Microsoft.AspNetCore.Http.Connections.Features", "SignalRLite.Http.Connections.Features"),
        ("Microsoft.AspNetCore.Http.Connections", "SignalRLite.Http.Connections"),
    ];

    /// <summary>
    /// Namespaces whose public static classes only carry extension methods for hosting (AddSignalR, MapHub, ...).
    /// An app calls these methods and never names the class, so they are compared by namespace and method, not by
    /// class: SignalRLite's classes have their own names so that both can be in scope in one Web SDK app.
    /// </summary>
    private static readonly string[] ExtensionOnlyNamespaces = ["Microsoft.Extensions.DependencyInjection", "Microsoft.AspNetCore.Builder"];

    /// <summary>
    /// Official members that are not app-facing, or that the substitution cannot carry. Each entry is a type key
    /// (every member of the type is excluded) or a member key, as the report prints them.
    /// </summary>
    private static readonly (string Key, string Why)[] Exclusions =
    [
        // Raw connection handlers: the layer under hubs. SignalRLite serves hubs only (MapHub); an app that maps its
        // own ConnectionHandler keeps the official Http.Connections for it.
        ("Microsoft.AspNetCore.Builder.*::MapConnectionHandler<TConnectionHandler>(this Microsoft.AspNetCore.Routing.IEndpointRouteBuilder, System.String)", "raw connection handler"),
        ("Microsoft.AspNetCore.Builder.*::MapConnectionHandler<TConnectionHandler>(this Microsoft.AspNetCore.Routing.IEndpointRouteBuilder, System.String, System.Action<SignalRLite.Http.Connections.HttpConnectionDispatcherOptions>)", "raw connection handler"),
        ("Microsoft.AspNetCore.Builder.*::MapConnections(this Microsoft.AspNetCore.Routing.IEndpointRouteBuilder, System.String, System.Action<Microsoft.AspNetCore.Connections.IConnectionBuilder>)", "raw connection handler"),
        ("Microsoft.AspNetCore.Builder.*::MapConnections(this Microsoft.AspNetCore.Routing.IEndpointRouteBuilder, System.String, SignalRLite.Http.Connections.HttpConnectionDispatcherOptions, System.Action<Microsoft.AspNetCore.Connections.IConnectionBuilder>)", "raw connection handler"),
        ("Microsoft.AspNetCore.Builder.ConnectionEndpointRouteBuilder", "raw connection handler: the builder MapConnections returns"),
        ("Microsoft.AspNetCore.Builder.*::AddConnections(this Microsoft.Extensions.DependencyInjection.IServiceCollection)", "raw connection handler services"),
        ("Microsoft.AspNetCore.Builder.*::AddConnections(this Microsoft.Extensions.DependencyInjection.IServiceCollection, System.Action<SignalRLite.Http.Connections.ConnectionOptions>)", "raw connection handler services"),
        ("Microsoft.Extensions.DependencyInjection.*::AddConnections(this Microsoft.Extensions.DependencyInjection.IServiceCollection)", "raw connection handler services"),
        ("Microsoft.Extensions.DependencyInjection.*::AddConnections(this Microsoft.Extensions.DependencyInjection.IServiceCollection, System.Action<SignalRLite.Http.Connections.ConnectionOptions>)", "raw connection handler services"),
        ("SignalRLite.SignalRConnectionBuilderExtensions", "UseHub<THub> on a raw IConnectionBuilder (MapConnections)"),
        ("SignalRLite.Http.Connections.HttpConnectionContextExtensions", "GetHttpContext on a raw ConnectionContext (the hub-level GetHttpContext exists)"),
        ("SignalRLite.Http.Connections.ConnectionOptionsSetup", "options-setup class (IConfigureOptions) the DI container uses"),
        // Negotiate wire types: the JSON of the negotiate response, which clients parse and servers write.
        ("SignalRLite.Http.Connections.NegotiateProtocol", "negotiate wire format (client and server internals)"),
        ("SignalRLite.Http.Connections.NegotiationResponse", "negotiate wire format"),
        ("SignalRLite.Http.Connections.AvailableTransport", "negotiate wire format"),
        // Options-setup classes: IConfigureOptions implementations that AddSignalR registers (defaults of HubOptions).
        ("SignalRLite.HubOptionsSetup", "options-setup class the DI container uses"),
        ("SignalRLite.HubOptionsSetup<THub>", "options-setup class the DI container uses"),
    ];

    [Fact]
    public void EveryAppFacingOfficialMemberExistsInSignalRLiteWithTheSameDeclaration()
    {
        var report = Compare();
        output.WriteLine(report.Text);
        Assert.True(report.Missing.Count == 0 && report.Different.Count == 0, report.Text);
    }

    internal static ParityReport Compare()
    {
        var official = new ApiSurface(MapNamespace, (type, name) => MapMemberName(type, name), RenamedTypes);
        foreach (var assembly in OfficialAssemblies())
        {
            official.AddAssembly(assembly, IsAppFacing);
        }

        var ours = new ApiSurface(ns => ns);
        foreach (var assembly in new[]
                 {
                     typeof(SignalRLite.Hub).Assembly,
                     typeof(SignalRLite.Protocol.MessagePackHubProtocol).Assembly,
                     typeof(SignalRLite.StackExchangeRedis.RedisOptions).Assembly,
                 })
        {
            ours.AddAssembly(assembly, IsAppFacing);
        }

        var officialEntries = Rekey(official.Entries.Values);
        var ourEntries = Rekey(ours.Entries.Values);
        if (Environment.GetEnvironmentVariable("SIGNALRLITE_API_DUMP") is { Length: > 0 } dump)
        {
            // Both surfaces as text, for reading when a member is added: SIGNALRLITE_API_DUMP=/tmp/api dotnet test ...
            File.WriteAllLines(dump + ".official.txt", officialEntries.Values.Select(e => $"{e.Key}  =>  {e.Signature}").Order(StringComparer.Ordinal));
            File.WriteAllLines(dump + ".ours.txt", ourEntries.Values.Select(e => $"{e.Key}  =>  {e.Signature}").Order(StringComparer.Ordinal));
        }
        var excludedTypes = Exclusions.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);

        var present = new List<ApiEntry>();
        var missing = new List<ApiEntry>();
        var different = new List<(ApiEntry Official, ApiEntry Ours)>();
        var excluded = 0;
        foreach (var entry in officialEntries.Values.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (excludedTypes.Contains(entry.Key) || excludedTypes.Contains(entry.TypeKey))
            {
                excluded++;
                continue;
            }

            if (!ourEntries.TryGetValue(entry.Key, out var mine))
            {
                missing.Add(entry);
            }
            else if (mine.Signature != entry.Signature)
            {
                different.Add((entry, mine));
            }
            else
            {
                present.Add(entry);
            }
        }

        // A member SignalRLite adds to an official interface or abstract class must not be abstract: a class that
        // implements the official type (a custom lifetime manager, a test double of IHubClients) would stop compiling.
        var officialTypes = officialEntries.Values.Where(e => e.Key == e.TypeKey).ToDictionary(e => e.Key, e => e.Signature, StringComparer.Ordinal);
        var addedAbstract = ourEntries.Values
            .Where(e => e.Key != e.TypeKey && !officialEntries.ContainsKey(e.Key) && officialTypes.TryGetValue(e.TypeKey, out var typeSignature) &&
                        (typeSignature.StartsWith("interface", StringComparison.Ordinal)
                            ? !e.Signature.StartsWith("default ", StringComparison.Ordinal) && !e.Signature.StartsWith("static ", StringComparison.Ordinal) && !e.Signature.StartsWith("const ", StringComparison.Ordinal)
                            : e.Signature.Contains("abstract ", StringComparison.Ordinal)))
            .OrderBy(e => e.Key, StringComparer.Ordinal)
            .ToList();
        missing.AddRange(addedAbstract);

        var text = new StringBuilder();
        text.AppendLine($"API parity: {present.Count} present, {missing.Count - addedAbstract.Count} missing, {different.Count} different, {excluded} excluded, {addedAbstract.Count} abstract members added");
        foreach (var entry in missing.Except(addedAbstract))
        {
            text.AppendLine($"  missing   {entry.Key}   [{entry.Assembly}]  {entry.Signature}");
        }

        foreach (var entry in addedAbstract)
        {
            text.AppendLine($"  added abstract member (breaks implementers of the official type) {entry.Key}  {entry.Signature}");
        }

        foreach (var (theirs, mine) in different)
        {
            text.AppendLine($"  different {theirs.Key}");
            text.AppendLine($"      official: {theirs.Signature}");
            text.AppendLine($"      ours:     {mine.Signature}");
        }

        return new ParityReport(present, missing, different, excluded, text.ToString());
    }

    private static IEnumerable<Assembly> OfficialAssemblies() =>
    [
        typeof(Microsoft.AspNetCore.Builder.HubEndpointRouteBuilderExtensions).Assembly, // Microsoft.AspNetCore.SignalR
        typeof(Microsoft.AspNetCore.SignalR.Hub).Assembly,                               // .SignalR.Core
        typeof(Microsoft.AspNetCore.SignalR.HubException).Assembly,                      // .SignalR.Common
        typeof(Microsoft.AspNetCore.SignalR.Protocol.JsonHubProtocol).Assembly,          // .SignalR.Protocols.Json
        typeof(Microsoft.AspNetCore.Http.Connections.HttpConnectionDispatcherOptions).Assembly, // .Http.Connections
        typeof(Microsoft.AspNetCore.Http.Connections.HttpTransportType).Assembly,        // .Http.Connections.Common
        typeof(Microsoft.AspNetCore.SignalR.Protocol.MessagePackHubProtocol).Assembly,   // package
        typeof(Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisOptions).Assembly,   // package
    ];

    private static bool IsAppFacing(Type type) =>
        type.Namespace is { } ns && !ns.Contains(".Internal", StringComparison.Ordinal);

    /// <summary>
    /// Official types that SignalRLite declares under another full name, because the same full name would clash with
    /// the shared framework's type in every Web SDK app (CS0433 wherever the app names it). Listed in
    /// docs/migration.md.
    /// </summary>
    private static readonly Dictionary<string, string> RenamedTypes = new(StringComparer.Ordinal)
    {
        ["Microsoft.AspNetCore.Builder.HubEndpointConventionBuilder"] = "SignalRLite.HubEndpointConventionBuilder",
        ["Microsoft.AspNetCore.Builder.IHubEndpointConventionBuilder"] = "SignalRLite.IHubEndpointConventionBuilder",
    };

    private static string MapNamespace(string ns)
    {
        foreach (var (officialPrefix, ourPrefix) in Namespaces)
        {
            if (ns == officialPrefix || ns.StartsWith(officialPrefix + ".", StringComparison.Ordinal))
            {
                return ourPrefix + ns[officialPrefix.Length..];
            }
        }

        return ns;
    }

    /// <summary>The registration call is the one member the migration renames: AddSignalR → AddSignalRLite.</summary>
    private static string MapMemberName(Type type, string name) =>
        type.Namespace == "Microsoft.Extensions.DependencyInjection" && name.StartsWith("AddSignalR", StringComparison.Ordinal)
            ? "AddSignalRLite" + name["AddSignalR".Length..]
            : name;

    private static Dictionary<string, ApiEntry> Rekey(IEnumerable<ApiEntry> entries)
    {
        var result = new Dictionary<string, ApiEntry>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var ns = entry.IsStaticClassMember
                ? ExtensionOnlyNamespaces.FirstOrDefault(n => entry.TypeKey.StartsWith(n + ".", StringComparison.Ordinal) &&
                                                              !entry.TypeKey[(n.Length + 1)..].Contains('.'))
                : null;
            if (ns is null)
            {
                result[entry.Key] = entry;
                continue;
            }

            // A static class of extension methods: its members keyed by namespace; the class itself is not compared.
            var separator = entry.Key.IndexOf("::", StringComparison.Ordinal);
            if (separator < 0)
            {
                continue;
            }

            var key = $"{ns}.*{entry.Key[separator..]}";
            result[key] = entry with { TypeKey = $"{ns}.*", Key = key };
        }

        return result;
    }
}

internal sealed record ParityReport(
    List<ApiEntry> Present,
    List<ApiEntry> Missing,
    List<(ApiEntry Official, ApiEntry Ours)> Different,
    int Excluded,
    string Text);
