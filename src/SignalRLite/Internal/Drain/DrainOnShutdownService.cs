using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace SignalRLite.Internal.Drain;

/// <summary>
/// Runs the drain when the host stops (<see cref="GracefulDrainOptions.DrainOnShutdown"/>), in the stopping phase, before
/// the hosted services stop (the web server keeps serving the connections being drained). The host's shutdown timeout
/// cancels the stopping token: the drain then closes what is left at once.
/// </summary>
internal sealed class DrainOnShutdownService(ServerDrain drain, IOptions<GracefulDrainOptions> options) : IHostedLifecycleService
{
    public Task StoppingAsync(CancellationToken cancellationToken) =>
        options.Value.DrainOnShutdown ? drain.DrainAsync(cancellationToken) : Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
