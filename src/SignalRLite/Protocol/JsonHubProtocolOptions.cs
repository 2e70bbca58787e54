using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace SignalRLite;

/// <summary>Options of the JSON hub protocol, set with <c>AddJsonProtocol(o =&gt; ...)</c>.</summary>
public class JsonHubProtocolOptions
{
    /// <summary>
    /// How arguments, stream items and results are serialised. camelCase property names on write and
    /// case-insensitive matching on read by default.
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
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };
}
