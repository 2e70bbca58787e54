using System.Diagnostics;
using System.Text;

namespace SignalRLite.Tests;

/// <summary>Runs a command to its exit for a test (the dotnet CLI, npm, node), collecting what it prints.</summary>
internal static class ChildProcessRun
{
    /// <summary>
    /// Runs <paramref name="info"/> (output redirected) to its exit and returns the exit code. Standard output goes to
    /// <paramref name="stdout"/> and standard error to <paramref name="stderr"/>, a line at a time; pass the same builder
    /// twice for one log in the order the lines came. After <paramref name="timeout"/> the process tree is killed and a
    /// <see cref="TimeoutException"/> carries what it printed.
    /// </summary>
    public static async Task<int> RunAsync(ProcessStartInfo info, TimeSpan timeout, StringBuilder stdout, StringBuilder stderr)
    {
        using var process = new Process { StartInfo = info };
        // Each builder is its own lock: the two streams' events come on different threads.
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            var printed = ReferenceEquals(stdout, stderr) ? Read(stdout) : Read(stdout) + "\n" + Read(stderr);
            throw new TimeoutException($"{info.FileName} {string.Join(' ', info.ArgumentList)} did not finish in {timeout}:\n{printed}");
        }

        // The parameterless wait also waits for the redirected streams' last events.
        process.WaitForExit();
        return process.ExitCode;
    }

    /// <summary>A builder's text, read under the lock its writers take.</summary>
    public static string Read(StringBuilder builder)
    {
        lock (builder)
        {
            return builder.ToString();
        }
    }
}
