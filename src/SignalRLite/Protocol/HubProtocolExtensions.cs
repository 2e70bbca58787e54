namespace SignalRLite.Protocol;

/// <summary>Helpers on <see cref="IHubProtocol"/>.</summary>
public static class HubProtocolExtensions
{
    /// <summary>
    /// The framed bytes of <paramref name="message"/> in <paramref name="hubProtocol"/>, as a new array. Servers that
    /// write often use <see cref="IHubProtocol.WriteMessage"/> into a pooled buffer instead.
    /// </summary>
    public static byte[] GetMessageBytes(this IHubProtocol hubProtocol, HubMessage message)
    {
        ArgumentNullException.ThrowIfNull(hubProtocol);
        ArgumentNullException.ThrowIfNull(message);
        return hubProtocol.GetMessageBytes(message).ToArray();
    }
}
