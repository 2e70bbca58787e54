using System.Text.Json;
using SignalRLite.Internal.Protocol;

namespace SignalRLite;

/// <summary>Options of the JSON hub protocol, set with <c>AddJsonProtocol(o =&gt; ...)</c>.</summary>
public class JsonHubProtocolOptions
{
    /// <summary>
    /// How arguments, stream items and results are serialised. camelCase property names on write and
    /// case-insensitive matching on read by default. Types are resolved by reflection with the JIT; in a trimmed or
    /// Native AOT app (reflection disabled) only the built-in primitive types are known, and the app adds its own
    /// with a source-generated context: <c>PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, AppJsonContext.Default)</c>
    /// (docs/aot.md).
    /// </summary>
    public JsonSerializerOptions PayloadSerializerOptions { get; set; } = CreateDefaultSerializerOptions();

    internal static JsonSerializerOptions CreateDefaultSerializerOptions() => new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        WriteIndented = false,
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 64,
        TypeInfoResolver = JsonPayloadResolver.CreateDefault(),
    };
}
