namespace SignalRLite;

/// <summary>
/// Tells a parser the .NET types to bind payloads to. Implemented by the hub runtime for one connection.
/// </summary>
public interface IInvocationBinder
{
    /// <summary>The parameter types of a hub method, excluding stream, DI and CancellationToken parameters. Throws when the method is unknown.</summary>
    IReadOnlyList<Type> GetParameterTypes(string methodName);

    /// <summary>The expected result type of a pending server-to-client invocation (client results). Throws when the id is unknown.</summary>
    Type GetReturnType(string invocationId);

    /// <summary>The item type of an upload stream. Throws when the stream id is unknown.</summary>
    Type GetStreamItemType(string streamId);

    /// <summary>Optionally maps the UTF-8 bytes of a target name to a cached string, to avoid an allocation per message.</summary>
    string? GetTarget(ReadOnlySpan<byte> utf8Bytes) => null;
}
