using SignalRLite.Protocol;

namespace SignalRLite.StackExchangeRedis.Internal;

/// <summary>Binds a Completion that came back through Redis to the invoking server's expected result type.</summary>
internal sealed class ClientResultBinder : IInvocationBinder
{
    private readonly Type _resultType;

    public ClientResultBinder(Type resultType)
    {
        _resultType = resultType;
    }

    public IReadOnlyList<Type> GetParameterTypes(string methodName) => throw new InvalidDataException("Expected a Completion message.");

    public Type GetReturnType(string invocationId) => _resultType;

    public Type GetStreamItemType(string streamId) => throw new InvalidDataException("Expected a Completion message.");
}
