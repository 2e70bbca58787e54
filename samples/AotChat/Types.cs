using System.Text.Json.Serialization;

namespace AotChat;

/// <summary>A chat message (a reference type with a value-type member).</summary>
public sealed record ChatMessage(string User, string Text, long Timestamp);

/// <summary>A value type passed as an argument, result and stream item.</summary>
public readonly record struct Point(int X, int Y);

/// <summary>
/// The app's JSON payload types (source-generated metadata): what Native AOT needs instead of reflection. The
/// SignalRLite analyzer SRL0020 reports a hub parameter, result, stream item or client method argument type missing
/// from the context passed to AddJsonProtocol.
/// </summary>
[JsonSerializable(typeof(ChatMessage))]
[JsonSerializable(typeof(Point))]
internal sealed partial class AppJsonContext : JsonSerializerContext;
