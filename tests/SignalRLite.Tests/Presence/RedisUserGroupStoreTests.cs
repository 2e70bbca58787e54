using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SignalRLite.StackExchangeRedis;
using SignalRLite.StackExchangeRedis.Internal.Presence;
using SignalRLite.Tests.Redis;
using StackExchange.Redis;

namespace SignalRLite.Tests.Presence;

/// <summary>The Redis membership store of durable groups, and which store the backplane leaves registered.</summary>
public class RedisUserGroupStoreTests
{
    [Fact]
    [Trait("Category", "Integration")]
    public async Task Memberships_are_added_renewed_listed_expired_and_removed_in_redis()
    {
        var endpoint = await RedisServer.GetSharedEndpointAsync();
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-07T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var options = Options.Create(new RedisOptions { Configuration = ConfigurationOptions.Parse(endpoint) });
        options.Value.Configuration.ChannelPrefix = RedisChannel.Literal("s" + Guid.NewGuid().ToString("N")[..10]);
        using var store = new RedisUserGroupStore(options, time);
        using var other = new RedisUserGroupStore(options, time); // another server: the same memberships

        Assert.True(await store.AddAsync("Hub", "alice", "vip", expires: null));
        Assert.False(await store.AddAsync("Hub", "alice", "vip", expires: null));
        Assert.True(await store.AddAsync("Hub", "alice", "trial", time.GetUtcNow().AddMinutes(1)));
        Assert.True(await store.AddAsync("OtherHub", "alice", "elsewhere", expires: null));
        Assert.Equal(["trial", "vip"], (await other.GetGroupsAsync("Hub", "alice")).Order(StringComparer.Ordinal));

        // The latest add decides: "vip" gets an expiry, "trial" loses its own.
        Assert.False(await other.AddAsync("Hub", "alice", "vip", time.GetUtcNow().AddSeconds(30)));
        Assert.False(await other.AddAsync("Hub", "alice", "trial", expires: null));
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(["trial"], await store.GetGroupsAsync("Hub", "alice"));

        Assert.True(await store.RemoveAsync("Hub", "alice", "trial"));
        Assert.False(await store.RemoveAsync("Hub", "alice", "trial"));
        Assert.Empty(await other.GetGroupsAsync("Hub", "alice"));
        Assert.Equal(["elsewhere"], await other.GetGroupsAsync("OtherHub", "alice"));
    }

    [Fact]
    public void The_backplane_replaces_the_default_in_memory_store_but_not_an_applications_own()
    {
        static Type StoreType(Action<ISignalRServerBuilder> configure)
        {
            var services = new ServiceCollection();
            configure(services.AddSignalRLite());
            return services.Last(d => d.ServiceType == typeof(IUserGroupStore)).ImplementationType!;
        }

        Assert.Equal(typeof(RedisUserGroupStore), StoreType(b => b.AddDurableGroups().AddStackExchangeRedis("localhost")));
        Assert.Equal(typeof(RedisUserGroupStore), StoreType(b => b.AddStackExchangeRedis("localhost").AddDurableGroups()));
        Assert.Equal(typeof(OwnStore), StoreType(b =>
        {
            b.Services.AddSingleton<IUserGroupStore, OwnStore>();
            b.AddDurableGroups().AddStackExchangeRedis("localhost");
        }));
    }

    private sealed class OwnStore : IUserGroupStore
    {
        public ValueTask<bool> AddAsync(string hubName, string userId, string groupName, DateTimeOffset? expires, CancellationToken cancellationToken = default) => new(true);

        public ValueTask<bool> RemoveAsync(string hubName, string userId, string groupName, CancellationToken cancellationToken = default) => new(true);

        public ValueTask<IReadOnlyCollection<string>> GetGroupsAsync(string hubName, string userId, CancellationToken cancellationToken = default) => new(Array.Empty<string>());
    }
}
