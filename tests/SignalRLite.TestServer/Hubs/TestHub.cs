namespace TestServer.Hubs;

/// <summary>
/// The main test hub (mapped at /testhub). Every "Send*" method delivers
/// <c>Receive(kind, payload)</c> to its target so tests can tell deliveries apart.
/// </summary>
public sealed class TestHub(LifecycleLog lifecycle, Marks marks, Gates gates) : Hub
{
    public const string LifecycleObservers = "lifecycle-observers";

    // ---- lifecycle -------------------------------------------------------------------

    public override async Task OnConnectedAsync()
    {
        lifecycle.Connected(Context.ConnectionId, Context.UserIdentifier);
        Context.Items["connectedAt"] = DateTimeOffset.UtcNow;
        await Clients.Caller.SendAsync("Welcome", Context.ConnectionId);
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        lifecycle.Disconnected(Context.ConnectionId, exception);
        await Clients.Group(LifecycleObservers).SendAsync("Disconnected", Context.ConnectionId, exception?.GetType().Name);
    }

    public string GetConnectionId() => Context.ConnectionId;

    public string? GetUserIdentifier() => Context.UserIdentifier;

    public string? GetUserName() => Context.User?.Identity?.Name;

    public bool WasOnConnectedCalled() => Context.Items.ContainsKey("connectedAt");

    public void SetItem(string key, string value) => Context.Items[key] = value;

    public string? GetItem(string key) => Context.Items.TryGetValue(key, out var v) ? v as string : null;

    /// <summary>Server-side close of the calling connection.</summary>
    public void Abort() => Context.Abort();

    // ---- echo of every kind of value -------------------------------------------------

    public string? EchoString(string? value) => value;
    public int EchoInt(int value) => value;
    public long EchoLong(long value) => value;
    public double EchoDouble(double value) => value;
    public bool EchoBool(bool value) => value;
    public Guid EchoGuid(Guid value) => value;
    public int? EchoNullableInt(int? value) => value;
    public Color EchoEnum(Color value) => value;
    public string DescribeEnum(Color value) => value.ToString();
    public Person EchoPerson(Person value) => value;
    public Person? EchoNullablePerson(Person? value) => value;
    public int[] EchoIntArray(int[] value) => value;
    public List<string> EchoStringList(List<string> value) => value;
    public Person[] EchoPersonArray(Person[] value) => value;
    public Dictionary<string, int> EchoDictionary(Dictionary<string, int> value) => value;
    public int SumArray(int[] values) => values.Sum();
    public string? GetNullString() => null;
    public int Add(int a, int b) => a + b;
    public string Describe(int a, string b, bool c, double d, int? e) => $"{a}|{b}|{c}|{d.ToString(System.Globalization.CultureInfo.InvariantCulture)}|{(e is null ? "null" : e.ToString())}";
    public IEnumerable<int> Range(int count) => Enumerable.Range(0, count).ToList(); // runtime type must be serializable by MessagePack too

    public Person MakePerson(string name, int age) => new()
    {
        Name = name,
        Age = age,
        Score = 1.5,
        Active = true,
        Rank = null,
        Favorite = Color.Blue,
        Tags = ["a", "b"],
        Address = new Address { City = "Oslo", Zip = null },
    };

    // ---- return shapes ---------------------------------------------------------------

    public void VoidMethod(string key) => marks.Mark(key);

    public async Task TaskMethod(string key)
    {
        await Task.Yield();
        marks.Mark(key);
    }

    public async ValueTask ValueTaskMethod(string key)
    {
        await Task.Yield();
        marks.Mark(key);
    }

    public async Task<int> TaskOfInt(int value)
    {
        await Task.Yield();
        return value * 2;
    }

    public async ValueTask<string> ValueTaskOfString(string value)
    {
        await Task.Yield();
        return value + "!";
    }

    public int MarkCount(string key) => marks.Count(key);

    [HubMethodName("renamed")]
    public string OriginalName() => "renamed-ok";

    /// <summary><paramref name="greeter"/> comes from DI, not from the wire.</summary>
    public string GreetFromService(string name, GreetingService greeter) => greeter.Greet(name);

    /// <summary>Waits <paramref name="delayMs"/> then returns <paramref name="value"/> (invocation ordering).</summary>
    public async Task<string> DelayEcho(int delayMs, string value)
    {
        await Task.Delay(delayMs);
        return value;
    }

    /// <summary>Blocks until gate <paramref name="key"/> is opened, then tells the caller.</summary>
    public async Task WaitForGate(string key)
    {
        await gates.WaitAsync(key).WaitAsync(TimeSpan.FromSeconds(30));
        await Clients.Caller.SendAsync("GateOpened", key);
    }

    public void OpenGate(string key) => gates.Open(key);

    // ---- errors ----------------------------------------------------------------------

    public void ThrowHubException(string message) => throw new HubException(message);

    public void ThrowGeneric() => throw new InvalidOperationException("secret internal details");

    public async Task<int> ThrowGenericAsync()
    {
        await Task.Yield();
        throw new InvalidOperationException("secret internal details");
    }

    // ---- Clients targets -------------------------------------------------------------

    public Task SendToAll(string payload) => Clients.All.SendAsync("Receive", "all", payload);
    public Task SendToCaller(string payload) => Clients.Caller.SendAsync("Receive", "caller", payload);
    public Task SendToOthers(string payload) => Clients.Others.SendAsync("Receive", "others", payload);
    public Task SendToClient(string connectionId, string payload) => Clients.Client(connectionId).SendAsync("Receive", "client", payload);
    public Task SendToClients(string[] connectionIds, string payload) => Clients.Clients(connectionIds).SendAsync("Receive", "clients", payload);
    public Task SendToAllExcept(string[] excluded, string payload) => Clients.AllExcept(excluded).SendAsync("Receive", "allExcept", payload);
    public Task SendToGroup(string group, string payload) => Clients.Group(group).SendAsync("Receive", "group", payload);
    public Task SendToGroups(string[] groups, string payload) => Clients.Groups(groups).SendAsync("Receive", "groups", payload);
    public Task SendToGroupExcept(string group, string[] excluded, string payload) => Clients.GroupExcept(group, excluded).SendAsync("Receive", "groupExcept", payload);
    public Task SendToOthersInGroup(string group, string payload) => Clients.OthersInGroup(group).SendAsync("Receive", "othersInGroup", payload);
    public Task SendToUser(string user, string payload) => Clients.User(user).SendAsync("Receive", "user", payload);
    public Task SendToUsers(string[] users, string payload) => Clients.Users(users).SendAsync("Receive", "users", payload);

    /// <summary>Sends several arguments of different types in one client invocation.</summary>
    public Task SendComplexToCaller(string payload) =>
        Clients.Caller.SendAsync("ReceiveComplex", payload, 42, new[] { 1, 2, 3 }, MakePerson("Ann", 30), null);

    /// <summary>Sends a message with no arguments.</summary>
    public Task SendNoArgsToCaller() => Clients.Caller.SendAsync("ReceiveNoArgs");

    /// <summary>A delivery barrier: a Marker to each listed connection, one by one.</summary>
    public async Task Marker(string[] connectionIds, string payload)
    {
        foreach (var id in connectionIds)
        {
            await Clients.Client(id).SendAsync("Marker", payload);
        }
    }

    // ---- groups ----------------------------------------------------------------------

    public Task JoinGroup(string group) => Groups.AddToGroupAsync(Context.ConnectionId, group);
    public Task LeaveGroup(string group) => Groups.RemoveFromGroupAsync(Context.ConnectionId, group);
    public Task AddToGroup(string connectionId, string group) => Groups.AddToGroupAsync(connectionId, group);
    public Task RemoveFromGroup(string connectionId, string group) => Groups.RemoveFromGroupAsync(connectionId, group);
}
