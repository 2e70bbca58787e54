using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Reflection;

namespace SignalRLite.Tests.Chaos;

/// <summary>
/// One tests/SignalRLite.ChaosServer process (<c>dotnet SignalRLite.ChaosServer.dll --urls ...</c>) on the Redis
/// backplane, on a free loopback port. Its console output (one line per log entry, "fail:" for an error) is captured.
/// </summary>
internal sealed class ChaosServerProcess : IAsyncDisposable
{
    private readonly List<string> _lines = []; // guarded by itself
    private readonly List<(Func<string, bool> Match, int Count, TaskCompletionSource Done)> _waiters = []; // guarded by _lines
    private readonly Process _process;
    private readonly HttpClient _http;

    private ChaosServerProcess(string name, Uri url, Process process)
    {
        Name = name;
        Url = url;
        _process = process;
        _http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) };
    }

    public string Name { get; }

    public Uri Url { get; }

    public Uri HubUrl => new(Url, "hub");

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>Error-level log entries (the simple console formatter's "fail:" and "crit:").</summary>
    public IReadOnlyList<string> ErrorLines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines.Where(l => l.Contains(" fail: ", StringComparison.Ordinal) || l.Contains(" crit: ", StringComparison.Ordinal))];
            }
        }
    }

    public static async Task<ChaosServerProcess> StartAsync(string name, string redisEndpoint, string prefix, params string[] extraArgs)
    {
        var dll = typeof(ChaosServerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "ChaosServerDll").Value!;
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"Chaos server not built: {dll} is missing.");
        }

        var url = new Uri($"http://127.0.0.1:{FreePort()}/");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { dll, "--urls", url.ToString().TrimEnd('/'), "--redis", redisEndpoint, "--prefix", prefix }.Concat(extraArgs))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_gcServer"] = "0";
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var server = new ChaosServerProcess(name, url, process);
        var ready = server.WaitForLineAsync(l => l.StartsWith("ChaosServer ready", StringComparison.Ordinal), 1, TimeSpan.FromSeconds(90));
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.Exited += (_, _) => exited.TrySetResult();
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException("could not start dotnet");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (await Task.WhenAny(ready, exited.Task) != ready)
        {
            throw new InvalidOperationException($"{name} exited during start-up:\n{server.Output}");
        }

        await ready;
        return server;
    }

    /// <summary>Completes once <paramref name="count"/> lines (printed before or after this call) match.</summary>
    public Task WaitForLineAsync(Func<string, bool> match, int count, TimeSpan timeout)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            if (_lines.Count(match) >= count)
            {
                return Task.CompletedTask;
            }

            _waiters.Add((match, count, done));
        }

        return WithOutputAsync(done.Task.WaitAsync(timeout));
    }

    public int CountLines(Func<string, bool> match)
    {
        lock (_lines)
        {
            return _lines.Count(match);
        }
    }

    /// <summary>Resident set size from /proc/PID/status (VmRSS), in bytes.</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>SIGKILL (no goodbye to anyone) and waits for the process to be gone.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>SIGTERM (what Kubernetes and systemd send): the host stops gracefully; completes when the process exited.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (SendSignal(_process.Id, 15) != 0)
        {
            throw new InvalidOperationException($"kill -TERM {_process.Id} failed.");
        }

        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    /// <summary>Broadcasts <paramref name="count"/> messages tagged <paramref name="tag"/> from this server (POST /storm).</summary>
    public async Task<string> StormAsync(string tag, int count, int size)
    {
        using var response = await _http.PostAsync($"storm?tag={tag}&count={count}&size={size}", content: null);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Sums of the process's SignalRLite counters (signalrlite.redis.publishes, ...).</summary>
    public async Task<Dictionary<string, long>> MetricsAsync() =>
        (await _http.GetFromJsonAsync<Dictionary<string, long>>("metrics"))!;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        _http.Dispose();
        _process.Dispose();
    }

    private async Task WithOutputAsync(Task wait)
    {
        try
        {
            await wait;
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{Name}: the awaited log line did not appear. Output:\n{Output}", ex);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                var (match, count, done) = _waiters[i];
                if (match(line) && _lines.Count(match) >= count)
                {
                    _waiters.RemoveAt(i);
                    done.TrySetResult();
                }
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
