using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using SignalRLite.Http.Connections;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// The receive side of the HTTP transports: the Server-Sent Events stream and the Long Polling poll (both GET).
/// </summary>
internal sealed partial class HttpConnectionDispatcher
{
    private async Task ExecuteServerSentEventsAsync(HttpContext context, HttpConnectionDispatcherOptions options, ConnectionDelegate connectionDelegate)
    {
        if ((options.Transports & HttpTransportType.ServerSentEvents) == 0)
        {
            await RefuseDisabledTransportAsync(context, HttpTransportType.ServerSentEvents).ConfigureAwait(false);
            return;
        }

        var connection = await GetConnectionAsync(context).ConfigureAwait(false);
        if (connection is null)
        {
            return;
        }

        var status = connection.TryAttachStream(HttpTransportType.ServerSentEvents, out var lease);
        if (status != AttachStatus.Attached)
        {
            await RefuseAttachAsync(context, status).ConfigureAwait(false);
            return;
        }

        ActivateQuota(connection);

        try
        {
            connection.UpdateFromRequest(context);
            connection.HttpContext = context;
            await ServerSentEventsTransport.ProcessAsync(context, connection, options, connectionDelegate, _sseLogger).ConfigureAwait(false);
        }
        finally
        {
            connection.ReleaseReader(lease!);
        }

        await connection.CloseAsync(null).ConfigureAwait(false);
    }

    private async Task ExecuteLongPollingAsync(HttpContext context, HttpConnectionDispatcherOptions options, ConnectionDelegate connectionDelegate)
    {
        if ((options.Transports & HttpTransportType.LongPolling) == 0)
        {
            await RefuseDisabledTransportAsync(context, HttpTransportType.LongPolling).ConfigureAwait(false);
            return;
        }

        var connection = await GetConnectionAsync(context).ConfigureAwait(false);
        if (connection is null)
        {
            return;
        }

        // A poll binds a pending connection to Long Polling (or is refused because another transport already did, in
        // which case it was active already): either way it no longer counts as pending.
        ActivateQuota(connection);
        await LongPollingTransport.PollAsync(context, connection, options, connectionDelegate, _services, _longPollingLogger).ConfigureAwait(false);
    }
}
