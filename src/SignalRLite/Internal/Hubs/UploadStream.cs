using System.Threading.Channels;

namespace SignalRLite.Internal.Hubs;

internal sealed class UploadStream<T> : IUploadStream
{
    private readonly Channel<T> _channel;

    public UploadStream(int capacity, bool asChannel)
    {
        _channel = Channel.CreateBounded<T>(new BoundedChannelOptions(Math.Max(1, capacity))
        {
            SingleReader = false,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        ParameterValue = asChannel ? _channel.Reader : _channel.Reader.ReadAllAsync();
    }

    public Type ItemType => typeof(T);

    public string MethodName { get; set; } = "";

    public object ParameterValue { get; }

    public ValueTask WriteAsync(object? item, CancellationToken cancellationToken)
    {
        // A write after completion (the method finished) is dropped: the spec says late items are ignored.
        if (_channel.Writer.TryWrite((T)item!))
        {
            return default;
        }

        return WriteSlowAsync((T)item!, cancellationToken);
    }

    private async ValueTask WriteSlowAsync(T item, CancellationToken cancellationToken)
    {
        try
        {
            await _channel.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
        }
    }

    public void Complete(Exception? error = null) => _channel.Writer.TryComplete(error);
}
