using Microsoft.Extensions.DependencyInjection;

namespace SignalRLite;

/// <summary>Returned by <c>AddSignalRLite()</c>; extended by other packages (<c>AddMessagePackProtocol</c>, <c>AddStackExchangeRedis</c>).</summary>
public interface ISignalRServerBuilder : ISignalRBuilder
{
}
