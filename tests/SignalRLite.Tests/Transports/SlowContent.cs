using System.Net;
using System.Text;

namespace SignalRLite.Tests.Transports;

/// <summary>A request body sent in two parts: the first part is flushed at once, the second only after <see cref="Continue"/>.</summary>
internal sealed class SlowContent(string first, string second) : HttpContent
{
    private readonly TaskCompletionSource _continue = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Continue() => _continue.TrySetResult();

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(first));
        await stream.FlushAsync();
        await _continue.Task;
        await stream.WriteAsync(Encoding.UTF8.GetBytes(second));
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
