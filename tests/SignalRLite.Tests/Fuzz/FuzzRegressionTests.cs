using System.Diagnostics;
using SignalRLite.Fuzz;

namespace SignalRLite.Tests.Fuzz;

/// <summary>
/// Replays every seed (tests/Fuzz/seeds/&lt;target&gt;) and every past finding
/// (tests/Fuzz/regressions/&lt;target&gt;) through the same harness logic the AFL fuzzers run
/// (linked from tests/Fuzz/SignalRLite.Fuzz/Harness): only InvalidDataException may escape the
/// parsers, parsing in chunks must agree with parsing in one shot, parsed messages must survive a
/// write/parse round trip, allocation stays bounded and nothing hangs.
/// </summary>
public class FuzzRegressionTests
{
    private static readonly string FuzzDirectory = FindFuzzDirectory();

    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var kind in new[] { "seeds", "regressions" })
        {
            foreach (var target in FuzzHarness.Targets)
            {
                var directory = Path.Combine(FuzzDirectory, kind, target);
                if (!Directory.Exists(directory))
                {
                    continue;
                }

                foreach (var file in Directory.EnumerateFiles(directory).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal))
                {
                    data.Add(target, Path.GetRelativePath(FuzzDirectory, file));
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void ReplaysThroughTheHarness(string target, string relativePath)
    {
        FuzzHarness.WarmUp();
        var bytes = File.ReadAllBytes(Path.Combine(FuzzDirectory, relativePath));
        var stopwatch = Stopwatch.StartNew();
        FuzzHarness.Run(target, bytes);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"{relativePath} took {stopwatch.Elapsed} (hang)");
    }

    [Fact]
    public void EveryTargetHasSeeds()
    {
        foreach (var target in FuzzHarness.Targets)
        {
            Assert.True(Directory.EnumerateFiles(Path.Combine(FuzzDirectory, "seeds", target)).Count() >= 5, $"seeds/{target}");
        }
    }

    [Fact]
    public void TheHarnessReportsForeignExceptions()
    {
        FuzzHarness.WarmUp();

        // The harness itself must not swallow what it is there to catch: an unknown target is an ArgumentException.
        Assert.Throws<ArgumentException>(() => FuzzHarness.Run("nope", [1, 2, 3]));

        // Malformed input is fine; incomplete input is fine.
        FuzzHarness.Run("json", "{\"type\":"u8);
        FuzzHarness.Run("json", "{\"type\":}\u001e"u8);
        FuzzHarness.Run("messagepack", [0x05, 0x91]);
        FuzzHarness.Run("handshake", "[]\u001e"u8);
    }

    private static string FindFuzzDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "Fuzz", "seeds");
            if (Directory.Exists(candidate))
            {
                return Path.Combine(directory.FullName, "tests", "Fuzz");
            }
        }

        throw new DirectoryNotFoundException($"tests/Fuzz not found above {AppContext.BaseDirectory}");
    }
}
