using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace LoadTest.Orchestrator;

internal sealed class MachineInfo
{
    public int Cores { get; init; }

    public string Cpu { get; init; } = "";

    public string Memory { get; init; } = "";

    public string Kernel { get; init; } = "";

    public string Runtime { get; init; } = "";

    public string DotnetHost { get; init; } = "";

    public string LoadAverageStart { get; init; } = "";

    public string FileLimit { get; init; } = "";

    public static MachineInfo Capture() => new()
    {
        Cores = Environment.ProcessorCount,
        Cpu = ReadFirst("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        Memory = ReadFirst("/proc/meminfo", "MemTotal") ?? "?",
        Kernel = TryRead("/proc/sys/kernel/osrelease")?.Trim() ?? RuntimeInformation.OSDescription,
        Runtime = RuntimeInformation.FrameworkDescription + " " + RuntimeInformation.RuntimeIdentifier,
        DotnetHost = DotnetInfoHost(),
        LoadAverageStart = LoadAverage(),
        FileLimit = Shell("sh", "-c \"ulimit -n\"").Trim(),
    };

    public static string LoadAverage() => string.Join(' ', (TryRead("/proc/loadavg") ?? "").Split(' ').Take(3));

    /// <summary>(busy, total) jiffies of the whole machine, from /proc/stat.</summary>
    public static (long Busy, long Total) ReadBusy()
    {
        var line = TryRead("/proc/stat")?.Split('\n').FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        if (line is null)
        {
            return (0, 0);
        }

        var v = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        var idle = v[3] + (v.Length > 4 ? v[4] : 0);
        var total = v.Sum();
        return (total - idle, total);
    }

    public static double BusyShare((long Busy, long Total) a, (long Busy, long Total) b) =>
        b.Total > a.Total ? (b.Busy - a.Busy) / (double)(b.Total - a.Total) : double.NaN;

    private static string? ReadFirst(string path, string key)
    {
        var line = TryRead(path)?.Split('\n').FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        return line?[(line.IndexOf(':') + 1)..].Trim();
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string DotnetInfoHost()
    {
        var info = Shell("dotnet", "--info");
        var lines = info.Split('\n');
        var host = Array.FindIndex(lines, l => l.Trim() == "Host:");
        if (host < 0)
        {
            return "?";
        }

        return string.Join(", ", lines.Skip(host + 1).TakeWhile(l => l.Trim().Length > 0).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))));
    }

    private static string Shell(string file, string arguments)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, UseShellExecute = false })!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit(20000);
            return output;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "";
        }
    }
}

internal sealed class RunInfo
{
    public string Command { get; init; } = "";

    public DateTime Started { get; init; }

    public DateTime Finished { get; init; }

    public int Rounds { get; init; }

    public bool Quick { get; init; }

    public double MeasureSeconds { get; init; }

    public double WarmupSeconds { get; init; }

    public string LoadAverageEnd { get; init; } = "";

    public double MachineBusyShare { get; init; }
}
