using SignalRLite.Protocol;

namespace SignalRLite.Tests.Protocol;

/// <summary>An <see cref="IInvocationBinder"/> over fixed tables, for parser tests.</summary>
internal sealed class TestBinder : IInvocationBinder
{
    private readonly Dictionary<string, Type[]> _methods;
    private readonly Dictionary<string, Type> _returns;
    private readonly Dictionary<string, Type> _streams;

    public TestBinder(Dictionary<string, Type[]>? methods = null, Dictionary<string, Type>? returns = null, Dictionary<string, Type>? streams = null)
    {
        _methods = methods ?? [];
        _returns = returns ?? [];
        _streams = streams ?? [];
    }

    public IReadOnlyList<Type> GetParameterTypes(string methodName) =>
        _methods.TryGetValue(methodName, out var types) ? types : throw new InvalidOperationException($"Unknown method '{methodName}'.");

    public Type GetReturnType(string invocationId) =>
        _returns.TryGetValue(invocationId, out var type) ? type : throw new InvalidOperationException($"Unknown invocation '{invocationId}'.");

    public Type GetStreamItemType(string streamId) =>
        _streams.TryGetValue(streamId, out var type) ? type : throw new InvalidOperationException($"Unknown stream '{streamId}'.");
}
