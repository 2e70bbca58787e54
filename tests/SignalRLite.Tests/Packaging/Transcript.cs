using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SignalRLite.Tests.Packaging;

/// <summary>
/// What a client observed in a corpus scenario, as ordered "key: value" lines. A step that throws records the
/// exception (type and message) instead of a value, so one difference does not hide the rest. Texts are normalised
/// only for what legitimately differs between two servers: their address.
/// </summary>
internal sealed class Transcript(Uri server)
{
    public static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(10);

    private readonly List<KeyValuePair<string, string>> _lines = [];

    public IReadOnlyList<KeyValuePair<string, string>> Lines => _lines;

    public void Add(string key, string value)
    {
        lock (_lines)
        {
            _lines.Add(new(key, Normalize(value)));
        }
    }

    /// <summary>Runs one step with <see cref="StepTimeout"/> and records its value or its exception.</summary>
    public async Task StepAsync(string key, Func<Task<string>> step)
    {
        try
        {
            Add(key, await step().WaitAsync(StepTimeout));
        }
        catch (TimeoutException)
        {
            Add(key, "!timeout");
        }
        catch (Exception ex)
        {
            Add(key, Error(ex));
        }
    }

    public Task StepAsync(string key, Func<Task> step) => StepAsync(key, async () =>
    {
        await step();
        return "ok";
    });

    public static string Error(Exception ex) => $"!{ex.GetType().Name}: {ex.Message}";

    private string Normalize(string text) => text
        .Replace(server.ToString().TrimEnd('/'), "{server}", StringComparison.Ordinal)
        .Replace(server.Authority, "{server}", StringComparison.Ordinal);

    /// <summary>A value as the client saw it: JSON elements raw, MessagePack maps and arrays spelled out, null as null.</summary>
    public static string Show(object? value) => value switch
    {
        null => "null",
        string s => JsonSerializer.Serialize(s),
        bool b => b ? "true" : "false",
        JsonElement e => e.GetRawText(),
        IDictionary d => "{" + string.Join(",", d.Keys.Cast<object>().Select(k => $"{Show(k)}:{Show(d[k])}")) + "}",
        IEnumerable e => "[" + string.Join(",", e.Cast<object?>().Select(Show)) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => $"{value.GetType().Name}({value})",
    };

    /// <summary>
    /// Replaces the lines of <paramref name="lite"/> that differ from <paramref name="official"/> exactly as a
    /// documented difference says (key → official value, SignalRLite value) by the official value; returns a note for each.
    /// A listed key whose values differ in any other way is left alone, so the diff shows it.
    /// </summary>
    public static List<string> AcceptDocumented(Transcript official, Transcript lite, IReadOnlyDictionary<string, (string Official, string Lite)> documented)
    {
        var notes = new List<string>();
        for (var i = 0; i < Math.Min(official.Lines.Count, lite.Lines.Count); i++)
        {
            var (key, expected) = official.Lines[i];
            var actual = lite.Lines[i].Value;
            if (lite.Lines[i].Key == key && documented.TryGetValue(key, out var difference) && expected == difference.Official && actual == difference.Lite)
            {
                lite._lines[i] = new(key, expected);
                notes.Add($"documented difference at [{i}] {key}: official {expected}, signalrlite {actual}");
            }
        }

        return notes;
    }

    /// <summary>Null when equal; otherwise a report of every differing key, official (the oracle) first.</summary>
    public static string? Diff(string title, Transcript official, Transcript lite)
    {
        var expected = official.Lines;
        var actual = lite.Lines;
        if (expected.SequenceEqual(actual))
        {
            return null;
        }

        var report = new StringBuilder();
        report.AppendLine($"{title}: the transcripts differ (official server = oracle; {expected.Count} vs {actual.Count} lines).");
        var count = Math.Max(expected.Count, actual.Count);
        var shown = 0;
        for (var i = 0; i < count; i++)
        {
            var e = i < expected.Count ? expected[i] : default;
            var a = i < actual.Count ? actual[i] : default;
            if (e.Key == a.Key && e.Value == a.Value)
            {
                continue;
            }

            shown++;
            report.AppendLine($"  [{i}] {e.Key ?? "(none)"}");
            report.AppendLine($"        official:    {e.Value ?? "(no line)"}");
            report.AppendLine(e.Key == a.Key ? $"        signalrlite: {a.Value ?? "(no line)"}" : $"        signalrlite: {a.Key ?? "(none)"}: {a.Value ?? "(no line)"}");
        }

        report.AppendLine($"  {shown} differing line(s). Full official transcript:");
        foreach (var line in expected)
        {
            report.AppendLine($"    {line.Key}: {line.Value}");
        }

        return report.ToString();
    }

    public override string ToString() => string.Join("\n", _lines.Select(l => $"{l.Key}: {l.Value}"));
}
