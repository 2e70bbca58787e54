namespace SignalRLite.Tests.Redis;

/// <summary>A hub whose methods send to every kind of target; clients receive <c>Receive(kind, message)</c>.</summary>
public sealed class RedisTestHub : Hub
{
    public string GetId() => Context.ConnectionId;

    public Task All(string m) => Clients.All.SendAsync("Receive", "all", m);

    public Task AllExcept(string[] ids, string m) => Clients.AllExcept(ids).SendAsync("Receive", "allExcept", m);

    public Task Client(string id, string m) => Clients.Client(id).SendAsync("Receive", "client", m);

    public Task ClientsList(string[] ids, string m) => Clients.Clients(ids).SendAsync("Receive", "clients", m);

    public Task Group(string g, string m) => Clients.Group(g).SendAsync("Receive", "group", m);

    public Task GroupsList(string[] gs, string m) => Clients.Groups(gs).SendAsync("Receive", "groups", m);

    public Task GroupExcept(string g, string[] ids, string m) => Clients.GroupExcept(g, ids).SendAsync("Receive", "groupExcept", m);

    public Task OthersInGroup(string g, string m) => Clients.OthersInGroup(g).SendAsync("Receive", "othersInGroup", m);

    public Task User(string u, string m) => Clients.User(u).SendAsync("Receive", "user", m);

    public Task UsersList(string[] us, string m) => Clients.Users(us).SendAsync("Receive", "users", m);

    public Task Join(string g) => Groups.AddToGroupAsync(Context.ConnectionId, g);

    public Task AddToGroup(string id, string g) => Groups.AddToGroupAsync(id, g);

    public Task RemoveFromGroup(string id, string g) => Groups.RemoveFromGroupAsync(id, g);

    public Task<int> InvokeClient(string id, int x) => Clients.Client(id).InvokeAsync<int>("Compute", x, Context.ConnectionAborted);

    public Task<string> InvokeClientString(string id, string s) => Clients.Client(id).InvokeAsync<string>("Echo", s, Context.ConnectionAborted);
}
