namespace SignalRLite.Internal.Hubs;

/// <summary>
/// What a send to many connections does about one connection whose write could not complete at once (its output is
/// full): wait for it, let it queue, or give up on the client. One instance per connection.
/// </summary>
internal interface IOutboundQueuePolicy
{
    /// <summary>
    /// Takes over <paramref name="write"/> (pending) and returns what the fan-out should wait for; null: nothing. The
    /// write itself goes on either way: the policy only decides how long the sender waits and when the client is too slow.
    /// </summary>
    Task? OnPendingWrite(ValueTask write);
}
