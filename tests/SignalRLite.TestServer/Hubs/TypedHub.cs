namespace TestServer.Hubs;

/// <summary>The client methods of <see cref="TypedHub"/>.</summary>
public interface ITypedClient
{
    Task Receive(string kind, string payload);

    Task ReceivePerson(Person person);
}

/// <summary>A strongly typed hub (mapped at /typedhub).</summary>
public sealed class TypedHub : Hub<ITypedClient>
{
    public Task SendToAll(string payload) => Clients.All.Receive("typed-all", payload);
    public Task SendToCaller(string payload) => Clients.Caller.Receive("typed-caller", payload);
    public Task SendToOthers(string payload) => Clients.Others.Receive("typed-others", payload);
    public Task SendToGroup(string group, string payload) => Clients.Group(group).Receive("typed-group", payload);
    public Task SendPersonToCaller(string name) => Clients.Caller.ReceivePerson(new Person { Name = name, Age = 7, Tags = ["x"] });
    public Task JoinGroup(string group) => Groups.AddToGroupAsync(Context.ConnectionId, group);
    public string GetConnectionId() => Context.ConnectionId;
}
