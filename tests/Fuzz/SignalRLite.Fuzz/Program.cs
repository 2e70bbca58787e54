using System.Diagnostics;
using SharpFuzz;
using SignalRLite.Fuzz;

// Usage:
//   dotnet SignalRLite.Fuzz.dll <target>                      run under afl-fuzz (input on stdin; once without afl)
//   dotnet SignalRLite.Fuzz.dll [<target>] --replay <path>... run files or directories without afl
// Targets: handshake, json, messagepack. With --replay and no target, the target is the name of
// a directory on the path (seeds/json/x, regressions/messagepack/y, ...).
if (args.Length == 0)
{
    Console.Error.WriteLine($"usage: SignalRLite.Fuzz <{string.Join("|", FuzzHarness.Targets)}> | [<target>] --replay <file-or-dir>...");
    return 2;
}

var replayIndex = Array.IndexOf(args, "--replay");
if (replayIndex >= 0)
{
    var target = replayIndex > 0 ? args[0] : null;
    return Replay(target, args[(replayIndex + 1)..]);
}

var fuzzTarget = args[0];
if (!FuzzHarness.Targets.Contains(fuzzTarget))
{
    Console.Error.WriteLine($"unknown target '{fuzzTarget}'");
    return 2;
}

// No instrumented code (SignalRLite*, MessagePack) may run before Fuzzer.Run: warm up inside.
Fuzzer.Run(stream =>
{
    FuzzHarness.WarmUp();
    using var memory = new MemoryStream();
    stream.CopyTo(memory);
    FuzzHarness.Run(fuzzTarget, memory.GetBuffer().AsSpan(0, (int)memory.Length));
});
return 0;

static int Replay(string? target, string[] paths)
{
    FuzzHarness.WarmUp();
    var files = new List<string>();
    foreach (var path in paths)
    {
        if (Directory.Exists(path))
        {
            files.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal));
        }
        else if (File.Exists(path))
        {
            files.Add(path);
        }
        else
        {
            Console.Error.WriteLine($"not found: {path}");
            return 2;
        }
    }

    int passed = 0, failed = 0;
    foreach (var file in files)
    {
        var fileTarget = target ?? InferTarget(file);
        if (fileTarget is null)
        {
            Console.Error.WriteLine($"SKIP {file}: no target given and none of {string.Join("/", FuzzHarness.Targets)} on its path");
            continue;
        }

        var stopwatch = Stopwatch.StartNew();
        try
        {
            FuzzHarness.Run(fileTarget, File.ReadAllBytes(file));
            if (stopwatch.Elapsed > TimeSpan.FromSeconds(5))
            {
                throw new FuzzFindingException($"took {stopwatch.Elapsed.TotalSeconds:F1} s (hang)");
            }

            passed++;
        }
        catch (Exception ex)
        {
            failed++;
            Console.WriteLine($"FAIL {fileTarget} {file}: {ex}");
        }
    }

    Console.WriteLine($"replay: {passed} passed, {failed} failed");
    return failed == 0 ? 0 : 1;
}

static string? InferTarget(string file)
{
    var parts = Path.GetFullPath(file).Split(Path.DirectorySeparatorChar);
    return parts.Reverse().FirstOrDefault(p => FuzzHarness.Targets.Contains(p));
}
