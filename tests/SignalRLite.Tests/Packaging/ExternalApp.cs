using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace SignalRLite.Tests.Packaging;

/// <summary>
/// A web app in its own temp directory outside the repository, built with the CLI and run as a separate process
/// on Kestrel at 127.0.0.1 with a port the OS picks.
/// </summary>
internal sealed partial class ExternalApp : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;

    private ExternalApp(string directory, Process process, StringBuilder output, Uri baseAddress)
    {
        Directory = directory;
        _process = process;
        _output = output;
        BaseAddress = baseAddress;
    }

    public string Directory { get; }

    public Uri BaseAddress { get; }

    public string Output { get { lock (_output) { return _output.ToString(); } } }

    /// <summary>Creates the project directory with <paramref name="files"/> (relative path → content).</summary>
    public static string Create(string name, IReadOnlyDictionary<string, string> files)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory($"signalrlite-{name}-").FullName;
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(directory, path);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }

        return directory;
    }

    /// <summary>Restores and builds; on failure the directory is deleted (the exception carries the build output).</summary>
    public static async Task<string> BuildAsync(string directory, IReadOnlyDictionary<string, string>? environment)
    {
        try
        {
            return await DotnetCli.RunAsync(directory, LocalPackageFeed.CommandTimeout, environment, "build", "-c", "Release", "-nologo", "-v:q", "-nodeReuse:false");
        }
        catch
        {
            DeleteDirectory(directory);
            throw;
        }
    }

    /// <summary>Starts the built app and waits for Kestrel's "Now listening on" line.</summary>
    public static async Task<ExternalApp> StartAsync(string directory, string assemblyName, IReadOnlyDictionary<string, string>? environment = null)
    {
        var dll = Path.Combine(directory, "bin", "Release", "net10.0", assemblyName + ".dll");
        var variables = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Logging__Console__FormatterName"] = "simple",
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            variables[key] = value;
        }

        var info = DotnetCli.Create(directory, variables, dll, "--urls", "http://127.0.0.1:0");
        var process = new Process { StartInfo = info };
        var output = new StringBuilder();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                listening.TrySetException(new InvalidOperationException("the app's output ended before it listened"));
                return;
            }

            lock (output) { output.AppendLine(e.Data); }
            var match = ListeningRegex().Match(e.Data);
            if (match.Success)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
            return new ExternalApp(directory, process, output, address);
        }
        catch (Exception ex)
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            DeleteDirectory(directory);
            lock (output) { throw new InvalidOperationException($"{assemblyName} did not start: {ex.Message}\n{output}", ex); }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        DeleteDirectory(Directory);
    }

    private static void DeleteDirectory(string directory)
    {
        try
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningRegex();
}
