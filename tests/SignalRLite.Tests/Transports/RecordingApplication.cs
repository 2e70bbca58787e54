using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace SignalRLite.Tests.Transports;

/// <summary>
/// A connection delegate for transport tests: echoes what it reads, records how its input ended, and obeys two
/// commands: a chunk containing <c>!close</c> makes it return (server-initiated close), <c>!binary</c> switches the
/// connection's active format to Binary.
/// </summary>
internal sealed class RecordingApplication
{
    private int _runs;

    public TaskCompletionSource<ConnectionContext> Connected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the application's input ended: null when it ended gracefully, else the error.</summary>
    public TaskCompletionSource<Exception?> InputEnded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Returned { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Runs => Volatile.Read(ref _runs);

    public async Task RunAsync(ConnectionContext connection)
    {
        Interlocked.Increment(ref _runs);
        Connected.TrySetResult(connection);
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync();
                var buffer = result.Buffer;
                var text = Encoding.UTF8.GetString(buffer.ToArray());
                if (text.Contains("!close", StringComparison.Ordinal))
                {
                    input.AdvanceTo(buffer.End);
                    InputEnded.TrySetResult(null);
                    return;
                }

                if (text.Contains("!binary", StringComparison.Ordinal))
                {
                    connection.Features.Get<ITransferFormatFeature>()!.ActiveFormat = TransferFormat.Binary;
                }

                foreach (var segment in buffer)
                {
                    output.Write(segment.Span);
                }

                input.AdvanceTo(buffer.End);
                await output.FlushAsync();
                if (result.IsCompleted)
                {
                    InputEnded.TrySetResult(null);
                    return;
                }
            }
        }
        catch (Exception ex)
        {
            InputEnded.TrySetResult(ex);
        }
        finally
        {
            Returned.TrySetResult();
        }
    }
}
