using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;
using SignalRLite.Internal.Hubs;
using SignalRLite.Protocol;

namespace SignalRLite.Tests.Hubs;

/// <summary>The local-connection registry shared by the in-memory and the Redis lifetime managers.</summary>
public class HubConnectionRegistryTests
{
    [Fact]
    public void Groups_and_users_follow_their_connections_and_leave_no_names_behind()
    {
        var registry = new HubConnectionRegistry();
        var a = Connection("a", user: "alice");
        var b = Connection("b", user: "alice");
        registry.Add(a);
        registry.Add(b);
        Assert.True(registry.AddToGroup("a", "g1"));
        Assert.True(registry.AddToGroup("a", "g2"));
        Assert.True(registry.AddToGroup("b", "g1"));
        Assert.False(registry.AddToGroup("nobody", "g1"));
        Assert.True(registry.HasUser("alice"));

        Assert.True(registry.RemoveFromGroup("a", "g2"));
        Assert.False(registry.RemoveFromGroup("a", "g2"));
        Assert.False(registry.HasGroup("g2"));

        Assert.Equal(["g1"], registry.Remove(a)!);
        Assert.True(registry.HasGroup("g1"));
        Assert.True(registry.HasUser("alice"));
        Assert.Equal(["g1"], registry.Remove(b)!);
        Assert.False(registry.HasGroup("g1"));
        Assert.False(registry.HasUser("alice"));
        Assert.False(registry.Contains("a"));
        Assert.False(registry.AddToGroup("a", "g1"));
    }

    [Fact]
    public async Task A_connection_removed_while_it_joins_groups_ends_in_none()
    {
        // Joins race with the disconnect: a join that loses must not put the gone connection back into a group.
        for (var round = 0; round < 200; round++)
        {
            var registry = new HubConnectionRegistry();
            var connection = Connection("c" + round, user: "u");
            registry.Add(connection);
            using var start = new Barrier(2);
            var join = Task.Run(() =>
            {
                start.SignalAndWait();
                for (var g = 0; g < 50; g++)
                {
                    registry.AddToGroup(connection.ConnectionId, "g" + g);
                }
            });
            var leave = Task.Run(() =>
            {
                start.SignalAndWait();
                registry.Remove(connection);
            });
            await Task.WhenAll(join, leave);

            for (var g = 0; g < 50; g++)
            {
                Assert.False(registry.HasGroup("g" + g), $"Round {round}: group g{g} kept a connection that is gone.");
            }

            Assert.False(registry.HasUser("u"));
        }
    }

    [Fact]
    public async Task Sends_that_enumerate_a_group_while_members_come_and_go_reach_every_steady_member_once_per_send()
    {
        var registry = new HubConnectionRegistry();
        var steady = Enumerable.Range(0, 4).Select(i => Connection("steady" + i)).ToArray();
        foreach (var c in steady)
        {
            registry.Add(c);
            registry.AddToGroup(c.ConnectionId, "g");
        }

        const int Sends = 2_000;
        using var stop = new CancellationTokenSource();
        var churn = Enumerable.Range(0, 2).Select(t => Task.Run(() =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var transient = Connection($"t{t}-{i}");
                registry.Add(transient);
                registry.AddToGroup(transient.ConnectionId, "g");
                registry.RemoveFromGroup(transient.ConnectionId, "g");
                registry.AddToGroup(transient.ConnectionId, "g");
                registry.Remove(transient);
            }
        })).ToArray();

        for (var i = 0; i < Sends; i++)
        {
            await registry.SendGroupAsync("g", new SerializedHubMessage(new InvocationMessage("m", [i])), null, CancellationToken.None);
        }

        await stop.CancelAsync();
        await Task.WhenAll(churn);
        foreach (var c in steady)
        {
            Assert.Equal(Sends, CountMessages(c));
        }
    }

    [Fact]
    public async Task Sends_skip_excluded_connections_and_a_connection_in_several_sets_gets_one_copy()
    {
        var registry = new HubConnectionRegistry();
        var a = Connection("a", user: "alice");
        var b = Connection("b", user: "bob");
        registry.Add(a);
        registry.Add(b);
        registry.AddToGroup("a", "g1");
        registry.AddToGroup("a", "g2");
        registry.AddToGroup("b", "g2");

        await registry.SendGroupsAsync(["g1", "g2", "missing"], Message(), CancellationToken.None);
        await registry.SendAllAsync(Message(), ["b"], CancellationToken.None);
        await registry.SendUsersAsync(["alice", "alice"], Message(), CancellationToken.None);
        await registry.SendConnectionsAsync(["b", "elsewhere"], Message(), CancellationToken.None);

        Assert.Equal(3, CountMessages(a));
        Assert.Equal(2, CountMessages(b));
    }

    private static SerializedHubMessage Message() => new(new InvocationMessage("m", []));

    /// <summary>A context on an in-memory pipe that never applies backpressure, speaking JSON.</summary>
    [Fact]
    public void LargestGroupsAreTheBiggestFirstThenByNameAndFollowLeaves()
    {
        var registry = new HubConnectionRegistry();
        var connections = Enumerable.Range(0, 6).Select(i => Connection("c" + i)).ToArray();
        foreach (var c in connections)
        {
            registry.Add(c);
        }

        // big: 5, mid: 3, b-tie and a-tie: 2 each, solo: 1.
        for (var i = 0; i < 5; i++)
        {
            registry.AddToGroup("c" + i, "big");
        }

        for (var i = 0; i < 3; i++)
        {
            registry.AddToGroup("c" + i, "mid");
        }

        registry.AddToGroup("c0", "b-tie");
        registry.AddToGroup("c1", "b-tie");
        registry.AddToGroup("c2", "a-tie");
        registry.AddToGroup("c3", "a-tie");
        registry.AddToGroup("c5", "solo");

        var top = registry.LargestGroups(3, out var groups);
        Assert.Equal(5, groups);
        Assert.Equal([new("big", 5), new("mid", 3), new("a-tie", 2)], top);
        Assert.Equal(5, registry.LargestGroups(10, out _).Count);

        registry.Remove(connections[0]);
        registry.Remove(connections[1]);
        registry.RemoveFromGroup("c5", "solo");
        top = registry.LargestGroups(10, out groups);
        // b-tie lost both members and solo its only one: both are gone.
        Assert.Equal(3, groups);
        Assert.Equal([new("big", 3), new("a-tie", 2), new("mid", 1)], top);
    }

    internal static HubConnectionContext Connection(string id, string? user = null)
    {
        var toClient = new Pipe(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0));
        var toServer = new Pipe();
        var transport = new Duplex(toServer.Reader, toClient.Writer);
        var application = new Duplex(toClient.Reader, toServer.Writer);
        var context = new HubConnectionContext(new DefaultConnectionContext(id, transport, application), new HubConnectionContextOptions(), NullLoggerFactory.Instance)
        {
            Protocol = new JsonHubProtocol(),
            UserIdentifier = user,
        };
        Pipes.AddOrUpdate(context, toClient.Reader);
        return context;
    }

    /// <summary>The number of messages written so far (JSON record separators).</summary>
    internal static int CountMessages(HubConnectionContext connection)
    {
        Assert.True(Pipes.TryGetValue(connection, out var reader));
        if (!reader.TryRead(out var result))
        {
            return 0;
        }

        var count = 0;
        foreach (var segment in result.Buffer)
        {
            count += segment.Span.Count((byte)0x1e);
        }

        reader.AdvanceTo(result.Buffer.End);
        return count;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<HubConnectionContext, PipeReader> Pipes = [];

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
