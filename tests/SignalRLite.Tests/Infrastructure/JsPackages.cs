using System.Diagnostics;
using System.Text;

namespace SignalRLite.Tests;

/// <summary>
/// The official JavaScript client's packages for the tests that run it in Node: tests/js/node_modules, installed with
/// `npm ci` on first use when missing (./test.sh installs them first; a plain `dotnet test` on a fresh clone does not).
/// One gate for the whole test run: every test that needs the packages waits for the one install, rather than finding a
/// half-written node_modules or none.
/// </summary>
internal static class JsPackages
{
    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    /// <summary>tests/js of the repository.</summary>
    public static string JsDirectory => RepositoryPaths.Combine("tests", "js");

    /// <summary>Installs tests/js/node_modules unless the official client is already there.</summary>
    public static async Task EnsureInstalledAsync()
    {
        await InstallGate.WaitAsync();
        try
        {
            if (File.Exists(Path.Combine(JsDirectory, "node_modules", "@microsoft", "signalr", "package.json")))
            {
                return;
            }

            var (exitCode, stdout, stderr) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], TimeSpan.FromMinutes(3));
            Assert.True(exitCode == 0, $"npm ci in tests/js failed ({exitCode}):\n{stdout}\n{stderr}");
        }
        finally
        {
            InstallGate.Release();
        }
    }

    /// <summary>Runs <paramref name="command"/> in tests/js; returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string command, string[] args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(command)
        {
            WorkingDirectory = JsDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var exitCode = await ChildProcessRun.RunAsync(info, timeout, stdout, stderr);
        return (exitCode, ChildProcessRun.Read(stdout), ChildProcessRun.Read(stderr));
    }
}
