using System.Collections;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using SignalRLite.Protocol;

namespace SignalRLite.Fuzz;

/// <summary>
/// Renders parsed messages as canonical strings, so that two parses of the same bytes (one shot
/// versus chunked, or original versus re-encoded) can be compared. Numbers are rendered by value,
/// not by CLR type; null and empty header maps / stream id lists are the same.
/// </summary>
public static class MessageRenderer
{
    /// <summary>Renders a hub message.</summary>
    public static string Render(HubMessage message) => message switch
    {
        InvocationMessage m => $"Invocation(id={Render(m.InvocationId)},target={Render(m.Target)},args={Render(m.Arguments)},streams={RenderStreams(m.StreamIds)},headers={RenderHeaders(m.Headers)})",
        StreamInvocationMessage m => $"StreamInvocation(id={Render(m.InvocationId)},target={Render(m.Target)},args={Render(m.Arguments)},streams={RenderStreams(m.StreamIds)},headers={RenderHeaders(m.Headers)})",
        InvocationBindingFailureMessage m => $"InvocationBindingFailure(id={Render(m.InvocationId)},target={Render(m.Target)})",
        StreamBindingFailureMessage m => $"StreamBindingFailure(id={Render(m.Id)})",
        StreamItemMessage m => $"StreamItem(id={Render(m.InvocationId)},item={Render(m.Item)},headers={RenderHeaders(m.Headers)})",
        CompletionMessage m => $"Completion(id={Render(m.InvocationId)},error={Render(m.Error)},hasResult={m.HasResult},result={Render(m.Result)},headers={RenderHeaders(m.Headers)})",
        CancelInvocationMessage m => $"CancelInvocation(id={Render(m.InvocationId)},headers={RenderHeaders(m.Headers)})",
        PingMessage => "Ping",
        CloseMessage m => $"Close(error={Render(m.Error)},allowReconnect={m.AllowReconnect})",
        AckMessage m => $"Ack({m.SequenceId})",
        SequenceMessage m => $"Sequence({m.SequenceId})",
        HandshakeRequestMessage m => $"HandshakeRequest(protocol={Render(m.Protocol)},version={m.Version})",
        _ => throw new FuzzFindingException($"The parser returned an unexpected message type {message.GetType().FullName}."),
    };

    /// <summary>True for the messages a protocol can write back (binding failures cannot be written).</summary>
    public static bool IsWritable(HubMessage message) => message is not (InvocationBindingFailureMessage or StreamBindingFailureMessage);

    /// <summary>Renders a payload value.</summary>
    public static string Render(object? value)
    {
        var builder = new StringBuilder();
        Render(builder, value, 0);
        return builder.ToString();
    }

    private static void Render(StringBuilder builder, object? value, int depth)
    {
        if (depth > 600)
        {
            throw new FuzzFindingException("A parsed payload is nested deeper than any configured maximum depth.");
        }

        switch (value)
        {
            case null:
                builder.Append("null");
                break;
            case string s:
                RenderString(builder, s);
                break;
            case bool b:
                builder.Append(b ? "true" : "false");
                break;
            case byte[] bytes:
                builder.Append("bin:").Append(Convert.ToHexString(bytes));
                break;
            case Enum e:
                builder.Append("enum:").Append(Convert.ToString(Convert.ChangeType(e, Enum.GetUnderlyingType(e.GetType()), CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
                break;
            case float f:
                builder.Append(((double)f).ToString("R", CultureInfo.InvariantCulture));
                break;
            case double d:
                builder.Append(d.ToString("R", CultureInfo.InvariantCulture));
                break;
            case DateTime dt:
                builder.Append("dt:").Append(dt.Ticks).Append(':').Append(dt.Kind);
                break;
            case IFormattable formattable:
                builder.Append(formattable.ToString(null, CultureInfo.InvariantCulture));
                break;
            case JsonElement element:
                RenderElement(builder, element, depth);
                break;
            case IDictionary dictionary:
                builder.Append('{');
                foreach (DictionaryEntry entry in dictionary)
                {
                    Render(builder, entry.Key, depth + 1);
                    builder.Append(':');
                    Render(builder, entry.Value, depth + 1);
                    builder.Append(',');
                }

                builder.Append('}');
                break;
            case IEnumerable enumerable:
                builder.Append('[');
                foreach (var item in enumerable)
                {
                    Render(builder, item, depth + 1);
                    builder.Append(',');
                }

                builder.Append(']');
                break;
            default:
                builder.Append(value.GetType().Name).Append(':').Append(value);
                break;
        }
    }

    private static void RenderElement(StringBuilder builder, JsonElement element, int depth)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                builder.Append('{');
                foreach (var property in element.EnumerateObject())
                {
                    RenderJsonString(builder, property, static p => p.Name, static p => JsonMarshal.GetRawUtf8PropertyName(p));
                    builder.Append(':');
                    RenderElement(builder, property.Value, depth + 1);
                    builder.Append(',');
                }

                builder.Append('}');
                break;
            case JsonValueKind.Array:
                builder.Append('[');
                foreach (var item in element.EnumerateArray())
                {
                    RenderElement(builder, item, depth + 1);
                    builder.Append(',');
                }

                builder.Append(']');
                break;
            case JsonValueKind.String:
                RenderJsonString(builder, element, static e => e.GetString()!, static e => JsonMarshal.GetRawUtf8Value(e));
                break;
            default:
                // Numbers keep their text (a JsonElement number is not normalised), true, false, null.
                builder.Append(element.GetRawText());
                break;
        }
    }

    // A JSON string escape may hold a lone surrogate, which has no .NET string: render the raw text then.
    private static void RenderJsonString<T>(StringBuilder builder, T source, Func<T, string> get, Func<T, ReadOnlySpan<byte>> raw)
    {
        string value;
        try
        {
            value = get(source);
        }
        catch (InvalidOperationException)
        {
            builder.Append("raw:\"").Append(Convert.ToHexString(raw(source))).Append('"');
            return;
        }

        RenderString(builder, value);
    }

    private static void RenderString(StringBuilder builder, string s)
    {
        builder.Append('"');
        foreach (var c in s)
        {
            if (c < 0x20 || c > 0x7E || c == '"' || c == '\\')
            {
                builder.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        builder.Append('"');
    }

    private static string RenderStreams(string[]? ids) => ids is null || ids.Length == 0 ? "[]" : Render(ids);

    private static string RenderHeaders(IDictionary<string, string>? headers)
    {
        if (headers is null || headers.Count == 0)
        {
            return "{}";
        }

        var builder = new StringBuilder("{");
        foreach (var (key, value) in headers.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            RenderString(builder, key);
            builder.Append(':');
            RenderString(builder, value);
            builder.Append(',');
        }

        return builder.Append('}').ToString();
    }
}
