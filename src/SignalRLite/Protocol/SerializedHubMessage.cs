using SignalRLite.Protocol;

namespace SignalRLite;

/// <summary>
/// A hub message with its serialised forms cached per protocol, so that a message sent to many
/// connections is serialised once per protocol in use, not once per connection.
/// Thread-safe: connections of different protocols may ask for their bytes concurrently.
/// </summary>
public class SerializedHubMessage
{
    private readonly object _lock = new();
    private SerializedMessage _first;
    private List<SerializedMessage>? _more;

    /// <summary>Wraps a message; bytes are produced on first request per protocol.</summary>
    public SerializedHubMessage(HubMessage message)
    {
        Message = message;
    }

    /// <summary>Wraps bytes already produced (for example received from a backplane).</summary>
    public SerializedHubMessage(IReadOnlyList<SerializedMessage> messages)
    {
        foreach (var m in messages)
        {
            Store(m.ProtocolName, m.Serialized);
        }
    }

    /// <summary>The message, when this instance was created from one.</summary>
    public HubMessage? Message { get; }

    /// <summary>The framed bytes of the message in <paramref name="protocol"/>, serialising it on first use.</summary>
    public ReadOnlyMemory<byte> GetSerializedMessage(IHubProtocol protocol)
    {
        lock (_lock)
        {
            if (TryGet(protocol.Name, out var cached))
            {
                return cached;
            }

            if (Message is null)
            {
                throw new InvalidOperationException($"No serialisation for protocol '{protocol.Name}' and no message to serialise.");
            }

            var bytes = protocol.GetMessageBytes(Message);
            Store(protocol.Name, bytes);
            return bytes;
        }
    }

    private bool TryGet(string protocolName, out ReadOnlyMemory<byte> bytes)
    {
        if (_first.ProtocolName == protocolName)
        {
            bytes = _first.Serialized;
            return true;
        }

        if (_more is not null)
        {
            foreach (var m in _more)
            {
                if (m.ProtocolName == protocolName)
                {
                    bytes = m.Serialized;
                    return true;
                }
            }
        }

        bytes = default;
        return false;
    }

    private void Store(string protocolName, ReadOnlyMemory<byte> bytes)
    {
        if (_first.ProtocolName is null)
        {
            _first = new SerializedMessage(protocolName, bytes);
        }
        else
        {
            (_more ??= new List<SerializedMessage>(1)).Add(new SerializedMessage(protocolName, bytes));
        }
    }
}
