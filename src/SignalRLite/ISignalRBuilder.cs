using Microsoft.Extensions.DependencyInjection;

namespace SignalRLite;

/// <summary>
/// A builder of SignalR services. Packages hang their configuration methods on it
/// (<c>AddJsonProtocol</c>, <c>AddMessagePackProtocol</c>); <see cref="ISignalRServerBuilder"/> extends it for the server.
/// </summary>
public interface ISignalRBuilder
{
    /// <summary>The application's services.</summary>
    IServiceCollection Services { get; }
}
