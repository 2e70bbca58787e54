using Ours = SignalRLite.Protocol;
using Official = Microsoft.AspNetCore.SignalR.Protocol;

namespace SignalRLite.Benchmarks;

/// <summary>Every hub message type, built once for our model and once for the official one.</summary>
public enum MessageKind
{
    Invocation,
    InvocationNonBlocking,
    Invocation4K,
    StreamInvocation,
    StreamItem,
    CompletionResult,
    CompletionVoid,
    CompletionError,
    CancelInvocation,
    Ping,
    Close,
    Ack,
    Sequence,
}

internal static class Messages
{
    public static readonly string Payload32 = new('x', 32);
    public static readonly string Payload4K = new('y', 4096);

    public static Ours.HubMessage CreateOurs(MessageKind kind) => kind switch
    {
        MessageKind.Invocation => new Ours.InvocationMessage("123", "Echo", [Payload32]),
        MessageKind.InvocationNonBlocking => new Ours.InvocationMessage("Receive", [Payload32]),
        MessageKind.Invocation4K => new Ours.InvocationMessage("123", "Echo", [Payload4K]),
        MessageKind.StreamInvocation => new Ours.StreamInvocationMessage("123", "Counter", [Payload32]),
        MessageKind.StreamItem => new Ours.StreamItemMessage("123", Payload32),
        MessageKind.CompletionResult => Ours.CompletionMessage.WithResult("123", Payload32),
        MessageKind.CompletionVoid => Ours.CompletionMessage.Empty("123"),
        MessageKind.CompletionError => Ours.CompletionMessage.WithError("123", "It didn't work!"),
        MessageKind.CancelInvocation => new Ours.CancelInvocationMessage("123"),
        MessageKind.Ping => Ours.PingMessage.Instance,
        MessageKind.Close => new Ours.CloseMessage("Server is shutting down.", allowReconnect: true),
        MessageKind.Ack => new Ours.AckMessage(1394),
        MessageKind.Sequence => new Ours.SequenceMessage(1234),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static Official.HubMessage CreateOfficial(MessageKind kind) => kind switch
    {
        MessageKind.Invocation => new Official.InvocationMessage("123", "Echo", [Payload32]),
        MessageKind.InvocationNonBlocking => new Official.InvocationMessage("Receive", [Payload32]),
        MessageKind.Invocation4K => new Official.InvocationMessage("123", "Echo", [Payload4K]),
        MessageKind.StreamInvocation => new Official.StreamInvocationMessage("123", "Counter", [Payload32]),
        MessageKind.StreamItem => new Official.StreamItemMessage("123", Payload32),
        MessageKind.CompletionResult => Official.CompletionMessage.WithResult("123", Payload32),
        MessageKind.CompletionVoid => Official.CompletionMessage.Empty("123"),
        MessageKind.CompletionError => Official.CompletionMessage.WithError("123", "It didn't work!"),
        MessageKind.CancelInvocation => new Official.CancelInvocationMessage("123"),
        MessageKind.Ping => Official.PingMessage.Instance,
        MessageKind.Close => new Official.CloseMessage("Server is shutting down.", allowReconnect: true),
        MessageKind.Ack => new Official.AckMessage(1394),
        MessageKind.Sequence => new Official.SequenceMessage(1234),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}

/// <summary>Binds every argument, result and stream item as a string (what the messages above carry).</summary>
internal sealed class OurBinder : SignalRLite.IInvocationBinder
{
    private static readonly Type[] OneString = [typeof(string)];

    public IReadOnlyList<Type> GetParameterTypes(string methodName) => OneString;

    public Type GetReturnType(string invocationId) => typeof(string);

    public Type GetStreamItemType(string streamId) => typeof(string);
}

internal sealed class OfficialBinder : Microsoft.AspNetCore.SignalR.IInvocationBinder
{
    private static readonly Type[] OneString = [typeof(string)];

    public IReadOnlyList<Type> GetParameterTypes(string methodName) => OneString;

    public Type GetReturnType(string invocationId) => typeof(string);

    public Type GetStreamItemType(string streamId) => typeof(string);
}
