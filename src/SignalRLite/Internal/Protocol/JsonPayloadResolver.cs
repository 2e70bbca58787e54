using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace SignalRLite.Internal.Protocol;

/// <summary>
/// The payload type resolver the JSON hub protocol uses when the app sets none. With the JIT it is the
/// reflection-based <see cref="DefaultJsonTypeInfoResolver"/> (as before). In a trimmed or Native AOT app
/// (<c>JsonSerializerIsReflectionEnabledByDefault</c> is false there, the SDK's default for <c>PublishAot</c> and
/// <c>PublishTrimmed</c>) it is <see cref="JsonBuiltInPayloadTypes"/>, source-generated metadata for the primitive
/// types; the app adds its own types with a <see cref="JsonSerializerContext"/>
/// (<c>o.PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, AppJsonContext.Default)</c>), as with the official server.
/// </summary>
internal static class JsonPayloadResolver
{
    public static IJsonTypeInfoResolver CreateDefault() =>
        JsonSerializer.IsReflectionEnabledByDefault ? CreateReflectionResolver() : JsonBuiltInPayloadTypes.Default;

    // Safe: reached only when JsonSerializer.IsReflectionEnabledByDefault is true. That property is a feature switch
    // (System.Text.Json.JsonSerializer.IsReflectionEnabledByDefault) which trimmed and native apps set to false, so the
    // trimmer and ILC treat the call above as dead code and never see this method: the same pattern System.Text.Json
    // uses for its own reflection fallback.
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Guarded by the JsonSerializer.IsReflectionEnabledByDefault feature switch.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Guarded by the JsonSerializer.IsReflectionEnabledByDefault feature switch.")]
    private static IJsonTypeInfoResolver CreateReflectionResolver() => new DefaultJsonTypeInfoResolver();
}

/// <summary>
/// Metadata for the types every app passes over the wire without declaring them (strings, numbers, dates, GUIDs,
/// <see cref="JsonElement"/>): the last resolver of the default chain when reflection is disabled, so a native app's
/// context needs to list only its own types.
/// </summary>
[JsonSerializable(typeof(object))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(bool?))]
[JsonSerializable(typeof(byte))]
[JsonSerializable(typeof(byte?))]
[JsonSerializable(typeof(sbyte))]
[JsonSerializable(typeof(sbyte?))]
[JsonSerializable(typeof(short))]
[JsonSerializable(typeof(short?))]
[JsonSerializable(typeof(ushort))]
[JsonSerializable(typeof(ushort?))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(int?))]
[JsonSerializable(typeof(uint))]
[JsonSerializable(typeof(uint?))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(long?))]
[JsonSerializable(typeof(ulong))]
[JsonSerializable(typeof(ulong?))]
[JsonSerializable(typeof(float))]
[JsonSerializable(typeof(float?))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(double?))]
[JsonSerializable(typeof(decimal))]
[JsonSerializable(typeof(decimal?))]
[JsonSerializable(typeof(char))]
[JsonSerializable(typeof(char?))]
[JsonSerializable(typeof(Guid))]
[JsonSerializable(typeof(Guid?))]
[JsonSerializable(typeof(DateTime))]
[JsonSerializable(typeof(DateTime?))]
[JsonSerializable(typeof(DateTimeOffset))]
[JsonSerializable(typeof(DateTimeOffset?))]
[JsonSerializable(typeof(TimeSpan))]
[JsonSerializable(typeof(TimeSpan?))]
[JsonSerializable(typeof(DateOnly))]
[JsonSerializable(typeof(DateOnly?))]
[JsonSerializable(typeof(TimeOnly))]
[JsonSerializable(typeof(TimeOnly?))]
[JsonSerializable(typeof(byte[]))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(int[]))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class JsonBuiltInPayloadTypes : JsonSerializerContext;
