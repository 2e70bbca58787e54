namespace SignalRLite.Internal.Protocol;

/// <summary>A binder of the hub runtime: the parsers take invocation objects from its connection's cache.</summary>
internal interface IInvocationMessageCacheOwner
{
    InvocationMessageCache InvocationMessages { get; }
}
