using SignalRLite.Internal.Protocol;
using SignalRLite.Protocol;

namespace SignalRLite.Internal.Hubs;

/// <summary>Tells the protocol parser of one connection the types to bind payloads to.</summary>
internal sealed class HubConnectionBinder<THub> : IInvocationBinder, IInvocationMessagePool where THub : Hub
{
    private readonly HubMethodTable _methods;
    private readonly HubLifetimeManager<THub> _lifetimeManager;
    private readonly HubConnectionContext _connection;

    public HubConnectionBinder(HubMethodTable methods, HubLifetimeManager<THub> lifetimeManager, HubConnectionContext connection)
    {
        _methods = methods;
        _lifetimeManager = lifetimeManager;
        _connection = connection;
    }

    public IReadOnlyList<Type> GetParameterTypes(string methodName) =>
        _methods.TryGet(methodName, out var descriptor)
            ? descriptor.WireParameterTypes
            : throw new HubException(HubErrors.MethodDoesNotExist);

    public Type GetReturnType(string invocationId) =>
        _lifetimeManager.TryGetReturnType(invocationId, out var type)
            ? type
            : throw new InvalidOperationException($"No pending client result with id '{invocationId}'.");

    public Type GetStreamItemType(string streamId) =>
        _connection.GetInvocations().Streams.TryGetValue(streamId, out var stream)
            ? stream.ItemType
            : throw new InvalidOperationException($"No upload stream with id '{streamId}'.");

    public string? GetTarget(ReadOnlySpan<byte> utf8Bytes) => _methods.GetTarget(utf8Bytes);

    // The connection's one-slot cache (see InvocationMessageCache): the dispatcher gives objects back to it.
    public object?[] RentArguments(int count) => _connection.InvocationMessages.RentArguments(count);

    public InvocationMessage CreateInvocation(string? invocationId, string target, object?[] arguments, string[]? streamIds) =>
        _connection.InvocationMessages.CreateInvocation(invocationId, target, arguments, streamIds);
}
