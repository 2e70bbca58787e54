using Microsoft.Extensions.DependencyInjection;

namespace SignalRLite.Hosting;

internal sealed class SignalRServerBuilder(IServiceCollection services) : ISignalRServerBuilder
{
    public IServiceCollection Services { get; } = services;
}
