using System.Dynamic;

namespace SignalRLite.Internal.Hubs;

/// <summary>
/// The <see langword="dynamic"/> face of an <see cref="IClientProxy"/>: a member call becomes
/// <see cref="IClientProxy.SendCoreAsync"/> of that method name with the call's arguments.
/// </summary>
internal sealed class DynamicClientProxy(IClientProxy proxy) : DynamicObject
{
    public override bool TryInvokeMember(InvokeMemberBinder binder, object?[]? args, out object? result)
    {
        result = proxy.SendCoreAsync(binder.Name, args ?? []);
        return true;
    }
}
