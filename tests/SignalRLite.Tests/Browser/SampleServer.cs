using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;

namespace SignalRLite.Tests.Browser;

/// <summary>
/// Runs a built sample (samples/NAME) as a real process on a free loopback port, exactly as a user would:
/// <c>dotnet NAME.dll --urls ...</c>. The test project's assembly metadata <c>NAMESampleDir</c> / <c>NAMESampleDll</c>
/// say where it is.
/// </summary>
public abstract class SampleServer(string name, params string[] extraArguments) : IAsyncLifetime
{
    private const string StartedLine = "Application started.";
    private readonly StringBuilder _output = new();
    private readonly Infrastructure.Signal _started = new();
    private Process? _process;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Everything the sample printed so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async Task InitializeAsync()
    {
        var dll = Metadata(name + "SampleDll");
        var contentRoot = Metadata(name + "SampleDir");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{name} sample not built: {dll} is missing.");
        }

        BaseAddress = new Uri($"http://127.0.0.1:{FreePort()}/");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = contentRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { dll, "--urls", BaseAddress.ToString().TrimEnd('/'), "--contentRoot", contentRoot }.Concat(extraArguments))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // The host logs "Application started." (category Microsoft.Hosting.Lifetime, Information in every sample's
        // appsettings.json) once Kestrel listens and the app is ready: await that line, or the process's exit.
        var exited = _process.WaitForExitAsync();
        Task first;
        try
        {
            first = await Task.WhenAny(_started.Task, exited).WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{name} sample did not log \"{StartedLine}\" within 60 s:\n{Output}");
        }

        if (first == exited)
        {
            throw new InvalidOperationException($"{name} sample exited with {_process.ExitCode}:\n{Output}");
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync(BaseAddress);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{name} sample answered {response.StatusCode} on {BaseAddress}:\n{Output}");
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line.Contains(StartedLine, StringComparison.Ordinal))
        {
            _started.TrySetResult();
        }
    }

    private static string Metadata(string key) =>
        typeof(SampleServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"assembly metadata {key} missing");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
