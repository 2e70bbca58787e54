using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;

namespace MigrationApp;

/// <summary>The user id is the <c>user</c> query parameter of the connection's request.</summary>
public class QueryUserIdProvider : IUserIdProvider
{
    public string? GetUserId(HubConnectionContext connection)
    {
        var user = connection.GetHttpContext()?.Request.Query["user"].ToString();
        return string.IsNullOrEmpty(user) ? null : user;
    }
}

public record TickRequest(string How, string Tag, string[] Args);

/// <summary>Work for <see cref="Ticker"/>, queued by hubs.</summary>
public class TickRequests
{
    private readonly Channel<TickRequest> _requests = Channel.CreateUnbounded<TickRequest>();

    public ChannelReader<TickRequest> Reader => _requests.Reader;

    public Task RequestAsync(TickRequest request) => _requests.Writer.WriteAsync(request).AsTask();
}

/// <summary>Sends from outside any hub, through <c>IHubContext</c>, as the docs' background service does.</summary>
public class Ticker : BackgroundService
{
    private readonly TickRequests _requests;
    private readonly IHubContext<ChatHub> _chat;
    private readonly IHubContext<ClientsHub> _clients;
    private readonly IHubContext<TypedHub, IChatClient> _typed;
    private readonly ILogger<Ticker> _logger;

    public Ticker(TickRequests requests, IHubContext<ChatHub> chat, IHubContext<ClientsHub> clients, IHubContext<TypedHub, IChatClient> typed, ILogger<Ticker> logger)
    {
        _requests = requests;
        _chat = chat;
        _clients = clients;
        _typed = typed;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var request in _requests.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await HandleAsync(request, stoppingToken);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "tick {How} failed", request.How);
                await _clients.Clients.All.SendAsync("Got", $"service error: {ex.GetType().Name}", stoppingToken);
                await _clients.Clients.All.SendAsync("Got", "marker", stoppingToken);
            }
        }
    }

    private async Task HandleAsync(TickRequest request, CancellationToken cancellationToken)
    {
        var (how, tag, args) = request;
        if (how == "chat")
        {
            await _chat.Clients.All.SendAsync("Receive", "tick", tag, cancellationToken);
            await _typed.Clients.All.Receive("ticker", tag);
            return;
        }

        switch (how)
        {
            case "AddToGroup":
                await _clients.Groups.AddToGroupAsync(args[0], args[1], cancellationToken);
                break;
            case "RemoveFromGroup":
                await _clients.Groups.RemoveFromGroupAsync(args[0], args[1], cancellationToken);
                break;
            default:
                var target = how switch
                {
                    "All" => _clients.Clients.All,
                    "Client" => _clients.Clients.Client(args[0]),
                    "Clients(a,b)" => _clients.Clients.Clients(args[0], args[1]),
                    "AllExcept(id)" => _clients.Clients.AllExcept(args[0]),
                    "AllExcept(set)" => _clients.Clients.AllExcept(new HashSet<string>(args)),
                    "Group" => _clients.Clients.Group(args[0]),
                    "Groups(a,b)" => _clients.Clients.Groups(args[0], args[1]),
                    "GroupExcept(g,id)" => _clients.Clients.GroupExcept(args[0], args[1]),
                    "User" => _clients.Clients.User(args[0]),
                    "Users(a,b)" => _clients.Clients.Users(args[0], args[1]),
                    _ => throw new InvalidOperationException($"unknown target {how}"),
                };
                await target.SendAsync("Got", tag, cancellationToken);
                break;
        }

        await _clients.Clients.All.SendAsync("Got", "marker", cancellationToken);
    }
}

/// <summary>A global hub filter: wraps one method's result, refuses another.</summary>
public class ResultFilter : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (invocationContext.HubMethodName == "Blocked")
        {
            throw new HubException("blocked by the filter");
        }

        var result = await next(invocationContext);
        return invocationContext.HubMethodName == "Filtered" ? $"filtered({result}, {invocationContext.HubMethodArguments.Count} argument)" : result;
    }
}

/// <summary>A per-hub filter instance: tags each connection when it connects.</summary>
public class TagFilter : IHubFilter
{
    private readonly string _tag;

    public TagFilter(string tag) => _tag = tag;

    public Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        context.Context.Items["tag"] = $"{_tag}:{context.Hub.GetType().Name}";
        return next(context);
    }
}
