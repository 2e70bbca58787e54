using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SignalRLite.Internal.Admin;

internal enum AdminTarget
{
    Connection,
    User,
    Group,
}

/// <summary>The admin HTTP endpoints: validate, call <see cref="IHubAdmin{THub}"/>, answer the count, log who asked.</summary>
internal sealed partial class AdminEndpoints<THub>(IHubAdmin<THub> admin, SignalRLiteAdminOptions options) where THub : Hub
{
    /// <summary>Identifiers longer than this are refused (connection IDs are 22 characters; users and groups are the app's).</summary>
    internal const int MaximumIdentifierLength = 256;

    public async Task CloseAsync(HttpContext context, AdminTarget target)
    {
        if (!TryGetIdentifier(context, "id", out var id, out var error) || !TryGetClose(context, out var reason, out var allowReconnect, out error))
        {
            await BadRequestAsync(context, error).ConfigureAwait(false);
            return;
        }

        var cancellation = context.RequestAborted;
        var reached = target switch
        {
            AdminTarget.Connection => await admin.CloseConnectionAsync(id, reason, allowReconnect, cancellation).ConfigureAwait(false),
            AdminTarget.User => await admin.CloseUserAsync(id, reason, allowReconnect, cancellation).ConfigureAwait(false),
            _ => await admin.CloseGroupAsync(id, reason, allowReconnect, cancellation).ConfigureAwait(false),
        };
        await AnswerAsync(context, $"close {target.ToString().ToLowerInvariant()} '{id}'", reached).ConfigureAwait(false);
    }

    public async Task RemoveUserFromGroupAsync(HttpContext context)
    {
        if (!TryGetIdentifier(context, "id", out var user, out var error) || !TryGetIdentifier(context, "group", out var group, out error))
        {
            await BadRequestAsync(context, error).ConfigureAwait(false);
            return;
        }

        var reached = await admin.RemoveUserConnectionsFromGroupAsync(user, group, context.RequestAborted).ConfigureAwait(false);
        await AnswerAsync(context, $"remove user '{user}' from group '{group}'", reached).ConfigureAwait(false);
    }

    public async Task RemoveConnectionFromAllGroupsAsync(HttpContext context)
    {
        if (!TryGetIdentifier(context, "id", out var id, out var error))
        {
            await BadRequestAsync(context, error).ConfigureAwait(false);
            return;
        }

        var reached = await admin.RemoveConnectionFromAllGroupsAsync(id, context.RequestAborted).ConfigureAwait(false);
        await AnswerAsync(context, $"remove connection '{id}' from all groups", reached).ConfigureAwait(false);
    }

    private static bool TryGetIdentifier(HttpContext context, string name, out string value, out string error)
    {
        value = context.Request.RouteValues[name] as string ?? "";
        error = value.Length is 0 or > MaximumIdentifierLength || value.Any(char.IsControl)
            ? $"'{name}' must be 1 to {MaximumIdentifierLength} characters without control characters."
            : "";
        return error.Length == 0;
    }

    private bool TryGetClose(HttpContext context, out string? reason, out bool allowReconnect, out string error)
    {
        reason = context.Request.Query["reason"].ToString() is { Length: > 0 } text ? text : null;
        allowReconnect = false;
        error = "";
        if (reason is not null && (reason.Length > options.MaximumReasonLength || reason.Any(char.IsControl)))
        {
            error = $"'reason' must be at most {options.MaximumReasonLength} characters without control characters.";
            return false;
        }

        var flag = context.Request.Query["allowReconnect"].ToString();
        if (flag.Length > 0 && !bool.TryParse(flag, out allowReconnect))
        {
            error = "'allowReconnect' must be true or false.";
            return false;
        }

        return true;
    }

    private static async Task BadRequestAsync(HttpContext context, string error)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync(error, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task AnswerAsync(HttpContext context, string action, int reached)
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("SignalRLite.Admin");
        AdminRequest(logger, action, typeof(THub).Name, context.User.Identity?.Name ?? "(no name)", context.Connection.RemoteIpAddress?.ToString() ?? "(unknown)", reached);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync("{\"reached\":" + reached.ToString(CultureInfo.InvariantCulture) + "}", context.RequestAborted).ConfigureAwait(false);
    }

    [LoggerMessage(1, LogLevel.Warning, "Admin request: {Action} on hub {Hub} by {User} from {Address} reached {Count} connection(s).", EventName = "AdminRequest")]
    private static partial void AdminRequest(ILogger logger, string action, string hub, string user, string address, int count);
}
