using System.Net.Http;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using ClientTransport = Microsoft.AspNetCore.Http.Connections.HttpTransportType;

namespace SignalRLite.Tests.Packaging;

/// <summary>
/// The corpus scenarios driven by the official .NET client: every step records what the client observed.
/// The same run against the official build and the migrated build must give equal transcripts.
/// </summary>
internal sealed class DotNetCorpusClient(Uri server, ClientTransport transport, bool messagePack)
{
    private readonly Transcript _t = new(server);

    public static async Task<Transcript> RunAsync(Uri server, ClientTransport transport, bool messagePack)
    {
        var client = new DotNetCorpusClient(server, transport, messagePack);
        await client.ChatAsync();
        await client.ClientsAsync();
        await client.TypedAndDynamicAsync();
        await client.TransportsAsync();
        return client._t;
    }

    private HubConnection Connect(string hub, string? user = null)
    {
        var url = new Uri(server, user is null ? hub : $"{hub}?user={user}");
        var builder = new HubConnectionBuilder().WithUrl(url, transport);
        if (messagePack)
        {
            builder.AddMessagePackProtocol();
        }

        return builder.Build();
    }

    private async Task ChatAsync()
    {
        await using var a = Connect("chat", "ann");
        await using var b = Connect("chat");
        var aInbox = new Messages(a, "Receive");
        var bInbox = new Messages(b, "Receive");
        a.On<string, string>("Ask", question => $"yes to {question}");
        a.On<int, int>("Double", x => 2 * x);
        a.On<string, string>("Throws", string (_) => throw new InvalidOperationException("the client handler broke"));
        await _t.StepAsync("chat.start", () => Task.WhenAll(a.StartAsync(), b.StartAsync()));

        async Task Invoke(string key, string method, params object?[] args) =>
            await _t.StepAsync(key, async () => Transcript.Show(await a.InvokeCoreAsync<object?>(method, args)));

        await Invoke("chat.Echo", "Echo", "hello");
        await Invoke("chat.Add", "Add", 2, 3);
        await Invoke("chat.Nothing (void)", "Nothing");
        await Invoke("chat.NullText", "NullText");
        await Invoke("chat.Describe (POCO, enum, null member)", "Describe", "Bo");
        await Invoke("chat.Greet (POCO argument)", "Greet", new Dictionary<string, object?> { ["Name"] = "Al", ["Age"] = 3, ["Mood"] = "Calm" });
        await _t.StepAsync("chat.SendNull", async () =>
        {
            await a.InvokeAsync("SendNull");
            return await aInbox.NextAsync();
        });
        await Invoke("chat.WhoAmI (IUserIdProvider)", "WhoAmI");
        await _t.StepAsync("chat.WhoAmI without user", async () => Transcript.Show(await b.InvokeAsync<object?>("WhoAmI")));
        await Invoke("chat.FilterTag (AddHubOptions filter)", "FilterTag");
        await Invoke("chat.Filtered (global filter)", "Filtered", "abc");
        await Invoke("chat.Blocked (filter throws)", "Blocked");
        await Invoke("chat.Connection (GetHttpContext, IHttpTransportFeature)", "Connection");
        await Invoke("chat.Fail (HubException)", "Fail");
        await Invoke("chat.Crash", "Crash");
        await Invoke("chat.unknown method", "Nope");
        await Invoke("chat.too many arguments", "Echo", "a", "b");
        await Invoke("chat.wrong argument type", "Add", "x", 1);
        await Invoke("chat.shout is [HubMethodName]", "ShoutAsync", "x");
        await _t.StepAsync("chat.send shout", async () =>
        {
            await a.SendAsync("shout", "hi all");
            return $"a got {await aInbox.NextAsync()}, b got {await bInbox.NextAsync()}";
        });

        await _t.StepAsync("chat.groups", async () =>
        {
            await a.InvokeAsync("Join", "room");
            var joined = await aInbox.NextAsync();
            await b.InvokeAsync("SendToGroup", "room", "to the room");
            var inRoom = await aInbox.NextAsync();
            await a.InvokeAsync("SendToOthers", "to others");
            var others = await bInbox.NextAsync();
            await a.InvokeAsync("Leave", "room");
            await b.InvokeAsync("SendToGroup", "room", "nobody");
            await b.InvokeAsync("SendToOthers", "after leaving");
            return $"{joined} {inRoom} {others} {await aInbox.NextAsync()}";
        });
        await _t.StepAsync("chat.IHubContext in a minimal API", async () =>
        {
            using var http = new HttpClient { BaseAddress = server };
            var response = await http.PostAsync("announce?text=everyone", null);
            return $"{(int)response.StatusCode} a got {await aInbox.NextAsync()}, b got {await bInbox.NextAsync()}";
        });
        await _t.StepAsync("chat.IHubContext in a BackgroundService", async () =>
        {
            await a.InvokeAsync("Tick", "t1");
            return $"a got {await aInbox.NextAsync()}, b got {await bInbox.NextAsync()}";
        });

        // Streams, both ways.
        await _t.StepAsync("chat.Count (IAsyncEnumerable)", () => ReadStream(a.StreamAsync<object?>("Count", 5)));
        await _t.StepAsync("chat.Letters (ChannelReader)", async () =>
        {
            var reader = await a.StreamAsChannelAsync<object?>("Letters", "abc");
            return Transcript.Show(await reader.ReadAllAsync().ToListAsync());
        });
        await _t.StepAsync("chat.BrokenStream HubException", () => ReadStream(a.StreamAsync<object?>("BrokenStream", true)));
        await _t.StepAsync("chat.BrokenStream other exception", () => ReadStream(a.StreamAsync<object?>("BrokenStream", false)));
        await _t.StepAsync("chat.FaultedChannel", () => ReadStream(a.StreamAsync<object?>("FaultedChannel")));
        await _t.StepAsync("chat.Count cancelled by the client", async () =>
        {
            using var cts = new CancellationTokenSource();
            var seen = 0;
            await foreach (var _ in a.StreamAsync<int>("Count", 1000, cts.Token))
            {
                if (++seen == 3)
                {
                    await cts.CancelAsync();
                    break;
                }
            }

            return $"{seen} then {Transcript.Show(await a.InvokeAsync<object?>("Echo", "still alive"))}";
        });
        await Invoke("chat.Sum (client stream)", "Sum", Numbers(4));
        await _t.StepAsync("chat.Concat (client ChannelReader)", async () =>
        {
            var parts = Channel.CreateUnbounded<string>();
            foreach (var part in new[] { "x", "y", "z" })
            {
                await parts.Writer.WriteAsync(part);
            }

            parts.Writer.Complete();
            return Transcript.Show(await a.InvokeAsync<object?>("Concat", parts.Reader, "-"));
        });
        await _t.StepAsync("chat.Upper (streams both ways)", () => ReadStream(a.StreamAsync<object?>("Upper", Words("one", "two"))));

        // Client results.
        await Invoke("chat.AskCaller", "AskCaller", "ready?");
        await Invoke("chat.AskNumber", "AskNumber", 20);
        await Invoke("chat.AskFailing no handler", "AskFailing", "NoHandler");
        await Invoke("chat.AskFailing handler throws", "AskFailing", "Throws");
        await _t.StepAsync("chat.still connected", () => Task.FromResult($"{a.State} {b.State}"));
    }

    private async Task ClientsAsync()
    {
        // A, B, C with distinct users; D is a second connection of A's user. A and C are in g1, B in g2.
        var names = new[] { "A", "B", "C", "D" };
        var users = new[] { "alice", "bob", "carol", "alice" };
        var connections = names.Select((_, i) => Connect("clients", users[i])).ToArray();
        var inboxes = connections.Select(c => new Messages(c, "Got")).ToArray();
        try
        {
            await _t.StepAsync("clients.start", () => Task.WhenAll(connections.Select(c => c.StartAsync())));
            var ids = new Dictionary<string, string>();
            await _t.StepAsync("clients.ids", async () =>
            {
                for (var i = 0; i < names.Length; i++)
                {
                    ids[names[i]] = await connections[i].InvokeAsync<string>("Id");
                }

                return names.Select((n, i) => ids[n] == connections[i].ConnectionId).All(same => same) ? "same as ConnectionId" : "differ from ConnectionId";
            });
            await _t.StepAsync("clients.join", async () =>
            {
                await connections[0].InvokeAsync("Join", "g1");
                await connections[2].InvokeAsync("Join", "g1");
                await connections[1].InvokeAsync("Join", "g2");
            });

            string Arg(string a) => ids.TryGetValue(a, out var id) ? id : a;

            async Task<string> Observe()
            {
                var seen = new List<string>();
                for (var i = 0; i < names.Length; i++)
                {
                    var got = new List<string>();
                    string message;
                    while ((message = await inboxes[i].NextAsync()) != "[\"marker\"]")
                    {
                        got.Add(message);
                    }

                    seen.Add($"{names[i]}={string.Join(",", got)}");
                }

                return string.Join(" ", seen);
            }

            async Task Route(string method, string how, params string[] args) =>
                await _t.StepAsync($"clients.{method} {how} [{string.Join(",", args)}]", async () =>
                {
                    await connections[0].InvokeAsync(method, how, how, args.Select(Arg).ToArray());
                    return await Observe();
                });

            foreach (var (how, args) in HubTargets)
            {
                await Route("Route", how, args);
            }

            await _t.StepAsync("clients.unknown target", async () =>
            {
                await connections[0].InvokeAsync("Route", "Nowhere", "x", Array.Empty<string>());
                return "no error";
            });
            await _t.StepAsync("clients.C leaves g1", () => connections[2].InvokeAsync("Leave", "g1"));
            await Route("Route", "Group", "g1");
            foreach (var (how, args) in ServiceTargets)
            {
                await Route("RouteFromService", how, args);
            }
        }
        finally
        {
            await Task.WhenAll(connections.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    /// <summary>Every form of <c>Clients</c> in a hub, invoked by A (ids given by connection name).</summary>
    public static readonly (string How, string[] Args)[] HubTargets =
    [
        ("All", []), ("Caller", []), ("Others", []), ("Client", ["B"]), ("Clients(list)", ["A", "C"]), ("Clients(a,b)", ["B", "C"]),
        ("Clients(a,b,c)", ["A", "B", "D"]), ("AllExcept(id)", ["B"]), ("AllExcept(a,b)", ["A", "B"]), ("AllExcept(list)", ["C"]),
        ("AllExcept(set)", ["A", "C"]), ("Group", ["g1"]), ("Groups(a,b)", ["g1", "g2"]), ("Groups(list)", ["g2"]),
        ("Groups(set)", ["g1", "g2"]), ("GroupExcept(g,id)", ["g1", "C"]), ("GroupExcept(g,list)", ["g1", "A", "B"]),
        ("OthersInGroup", ["g1"]), ("User", ["alice"]), ("Users(a,b)", ["bob", "carol"]), ("Users(list)", ["alice", "carol"]),
        ("Users(set)", ["alice", "bob"]), ("Group", ["nobody-here"]), ("User", ["nobody"]),
    ];

    /// <summary>The same through <c>IHubContext</c> in a background service, with group changes made there.</summary>
    public static readonly (string How, string[] Args)[] ServiceTargets =
    [
        ("All", []), ("Client", ["B"]), ("Clients(a,b)", ["A", "B"]), ("AllExcept(id)", ["A"]), ("AllExcept(set)", ["A", "B"]),
        ("Group", ["g1"]), ("Groups(a,b)", ["g1", "g2"]), ("GroupExcept(g,id)", ["g2", "B"]), ("User", ["alice"]), ("Users(a,b)", ["bob", "carol"]),
        ("AddToGroup", ["C", "g2"]), ("Group", ["g2"]), ("RemoveFromGroup", ["C", "g2"]), ("Group", ["g2"]),
    ];

    /// <summary>
    /// Starts the connections, then makes one round trip on each: both servers answer the handshake before they register
    /// the connection for sends to all (OfficialRegistrationOrderComparisonTests), so a send to all right after start
    /// could miss one of them, on either server.
    /// </summary>
    private static async Task StartReadyAsync(params HubConnection[] connections)
    {
        await Task.WhenAll(connections.Select(c => c.StartAsync()));
        await Task.WhenAll(connections.Select(c => c.InvokeAsync<string>("Ready")));
    }

    private async Task TypedAndDynamicAsync()
    {
        await using var ann = Connect("typed", "ann");
        await using var bob = Connect("typed", "bob");
        var annInbox = new Messages(ann, "Receive");
        var bobInbox = new Messages(bob, "Receive");
        ann.On("GetName", () => "Ann");
        bob.On("GetName", () => "Bob");
        await _t.StepAsync("typed.start", () => StartReadyAsync(ann, bob));
        await _t.StepAsync("typed.WhoAmI (client result through Hub<T>)", async () =>
            $"{Transcript.Show(await ann.InvokeAsync<object?>("WhoAmI"))} ann got {await annInbox.NextAsync()}, bob got {await bobInbox.NextAsync()}");
        await _t.StepAsync("typed.typed-send", async () =>
        {
            await bob.InvokeAsync("typed-send", "hello");
            return $"ann got {await annInbox.NextAsync()}, bob got {await bobInbox.NextAsync()}";
        });
        await _t.StepAsync("typed.JoinTyped", async () =>
        {
            await ann.InvokeAsync("JoinTyped", "t");
            await bob.InvokeAsync("JoinTyped", "t");
            return $"ann got {await annInbox.NextAsync()} {await annInbox.NextAsync()}, bob got {await bobInbox.NextAsync()}";
        });
        await _t.StepAsync("typed.IHubContext<THub, T> in a BackgroundService", async () =>
        {
            await using var chat = Connect("chat");
            await chat.StartAsync();
            await chat.InvokeAsync("Tick", "t2");
            return $"ann got {await annInbox.NextAsync()}, bob got {await bobInbox.NextAsync()}";
        });

        await using var d1 = Connect("dynamic");
        await using var d2 = Connect("dynamic");
        var d1Inbox = new Messages(d1, "Receive");
        var d2Inbox = new Messages(d2, "Receive");
        await _t.StepAsync("dynamic.start", () => StartReadyAsync(d1, d2));
        await _t.StepAsync("dynamic.Send (Clients.All.Receive)", async () =>
        {
            await d1.InvokeAsync("Send", "d");
            return $"d1 got {await d1Inbox.NextAsync()}, d2 got {await d2Inbox.NextAsync()}";
        });
        await _t.StepAsync("dynamic.ToCaller, ToOthers", async () =>
        {
            await d1.InvokeAsync("ToCaller", "c");
            await d1.InvokeAsync("ToOthers", "o");
            return $"d1 got {await d1Inbox.NextAsync()}, d2 got {await d2Inbox.NextAsync()}";
        });
    }

    private async Task TransportsAsync()
    {
        await using var polling = Connect("polling-only");
        await _t.StepAsync("transports.polling-only hub", async () =>
        {
            await polling.StartAsync();
            return Transcript.Show(await polling.InvokeAsync<object?>("Connection"));
        });

        await using var signedIn = Connect("secure", "ann");
        await _t.StepAsync("auth.[Authorize] hub, signed in", async () =>
        {
            await signedIn.StartAsync();
            return Transcript.Show(await signedIn.InvokeAsync<object?>("Name"));
        });
        await using var anonymous = Connect("secure");
        await _t.StepAsync("auth.[Authorize] hub, anonymous", async () =>
        {
            await anonymous.StartAsync();
            return anonymous.State.ToString();
        });
    }

    private static async Task<string> ReadStream(IAsyncEnumerable<object?> stream)
    {
        var items = new List<object?>();
        try
        {
            await foreach (var item in stream)
            {
                items.Add(item);
            }

            return Transcript.Show(items);
        }
        catch (Exception ex)
        {
            return $"{Transcript.Show(items)} then {Transcript.Error(ex)}";
        }
    }

    private static async IAsyncEnumerable<int> Numbers(int to, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 1; i <= to; i++)
        {
            await Task.Yield();
            yield return i;
        }
    }

    private static async IAsyncEnumerable<string> Words(params string[] words)
    {
        foreach (var word in words)
        {
            await Task.Yield();
            yield return word;
        }
    }

    /// <summary>The arguments of every call of one client method, shown in order.</summary>
    private sealed class Messages
    {
        private readonly Channel<string> _messages = Channel.CreateUnbounded<string>();

        public Messages(HubConnection connection, string method)
        {
            connection.On(method, method == "Got" ? [typeof(object)] : [typeof(object), typeof(object)], args =>
            {
                _messages.Writer.TryWrite(Transcript.Show(args));
                return Task.CompletedTask;
            });
        }

        public async Task<string> NextAsync()
        {
            using var cts = new CancellationTokenSource(Transcript.StepTimeout);
            return await _messages.Reader.ReadAsync(cts.Token);
        }
    }
}
