using System.Buffers;
using System.Text;
using SignalRLite.Http.Connections.Features;
using SignalRLite.Protocol;

namespace SignalRLite.Tests.ApiParity;

/// <summary>A hub that uses the official API surface the way apps do: the forms of <c>Clients</c>, features, RawResult.</summary>
public sealed class SurfaceHub : Hub
{
    public string? Transport() => Context.Features.Get<IHttpTransportFeature>()?.TransportType.ToString();

    public string? HttpPath() => Context.Features.Get<IHttpContextFeature>()?.HttpContext?.Request.Path.Value;

    public Task Join(string group) => Groups.AddToGroupAsync(Context.ConnectionId, group);

    public string Id() => Context.ConnectionId;

    public Task AllExceptMe() => Clients.AllExcept(Context.ConnectionId).SendAsync("Receive", "allExcept", "");

    public Task AllExceptMany(string[] ids) => Clients.AllExcept(ids.AsEnumerable()).SendAsync("Receive", "allExceptMany", "");

    public Task ToUsers(string user1, string user2) => Clients.Users(user1, user2).SendAsync("Receive", "users", "");

    public Task ToGroupSet(string group1, string group2) => Clients.Groups(new HashSet<string> { group1, group2 }).SendAsync("Receive", "groupSet", "");

    public Task ToGroups(string group1, string group2) => Clients.Groups(group1, group2).SendAsync("Receive", "groups", "");

    public Task ToGroupExcept(string group, string excluded) => Clients.GroupExcept(group, excluded).SendAsync("Receive", "groupExcept", "");

    public Task ToClients(string id1, string id2) => Clients.Clients(id1, id2).SendAsync("Receive", "clients", "");

    public Task Marker() => Clients.All.SendAsync("Receive", "marker", "");

    /// <summary>A client result read as raw JSON.</summary>
    public async Task<string> AskRaw()
    {
        var raw = await Clients.Caller.InvokeAsync<RawResult>("GetValue", CancellationToken.None);
        return Encoding.UTF8.GetString(raw.RawSerializedData.ToArray());
    }

    /// <summary>A result written as it is.</summary>
    public RawResult EchoRaw(string json) => new(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json)));
}

/// <summary>A hub addressed with dynamic calls.</summary>
public sealed class SurfaceDynamicHub : DynamicHub
{
    public Task Shout(string message) => Clients.All.Receive("dynamic", message);

    public Task Whisper(string message) => Clients.Caller.Receive("caller", message);
}

/// <summary>An app's own hub activator: counts what it creates and releases.</summary>
public sealed class CountingActivator<THub>(IServiceProvider services, ActivatorLog log) : IHubActivator<THub> where THub : Hub
{
    public THub Create()
    {
        Interlocked.Increment(ref log.Created);
        return Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<THub>(services);
    }

    public void Release(THub hub)
    {
        hub.Dispose();
        Interlocked.Increment(ref log.Released);
        log.ReleasedSignal.Release();
    }
}

public sealed class ActivatorLog
{
    public int Created;
    public int Released;

    /// <summary>Released once per <see cref="IHubActivator{THub}.Release"/>: a test awaits it instead of polling.</summary>
    public SemaphoreSlim ReleasedSignal { get; } = new(0);
}
