using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SignalRLite.StackExchangeRedis;
using StackExchange.Redis;

namespace SignalRLite.Tests.Redis;

public sealed class RedisRegistrationTests
{
    public static TheoryData<string> Overloads => ["none", "action", "string", "string+action"];

    /// <summary>
    /// The Redis configuration each overload produces, compared with the official package's (registration only:
    /// nothing connects). Differential: the same calls on both, the same resulting options.
    /// </summary>
    [Theory]
    [InlineData("none", "")]
    [InlineData("string", "10.1.2.3:7000")]
    [InlineData("string", "10.1.2.3:7000,abortConnect=true")]
    [InlineData("string", "10.1.2.3:7000,abortConnect=false,ssl=true,password=x")]
    public void EveryOverloadConfiguresRedisAsTheOfficialPackageDoes(string overload, string connectionString)
    {
        var official = new ServiceCollection().AddLogging();
        var officialBuilder = official.AddSignalR();
        var ours = new ServiceCollection().AddLogging();
        var ourBuilder = ours.AddSignalRLite();
        if (overload == "none")
        {
            officialBuilder.AddStackExchangeRedis();
            ourBuilder.AddStackExchangeRedis();
        }
        else
        {
            officialBuilder.AddStackExchangeRedis(connectionString);
            ourBuilder.AddStackExchangeRedis(connectionString);
        }

        using var officialProvider = official.BuildServiceProvider();
        using var ourProvider = ours.BuildServiceProvider();
        var theirs = officialProvider.GetRequiredService<IOptions<Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisOptions>>().Value.Configuration;
        var mine = ourProvider.GetRequiredService<IOptions<RedisOptions>>().Value.Configuration;
        Assert.Equal(theirs.ToString(includePassword: true), mine.ToString(includePassword: true));
        Assert.Equal(theirs.AbortOnConnectFail, mine.AbortOnConnectFail);
    }

    [Theory]
    [MemberData(nameof(Overloads))]
    public void EveryOverloadReplacesTheInMemoryManager(string overload)
    {
        var services = new ServiceCollection().AddLogging();
        var builder = services.AddSignalRLite();
        _ = overload switch
        {
            "none" => builder.AddStackExchangeRedis(),
            "action" => builder.AddStackExchangeRedis(o => o.Configuration.ChannelPrefix = RedisChannel.Literal("app")),
            "string" => builder.AddStackExchangeRedis("10.1.2.3:7000"),
            _ => builder.AddStackExchangeRedis("10.1.2.3:7000", o => o.Configuration.ChannelPrefix = RedisChannel.Literal("app")),
        };
        using var provider = services.BuildServiceProvider();

        Assert.IsType<RedisHubLifetimeManager<RedisTestHub>>(provider.GetRequiredService<HubLifetimeManager<RedisTestHub>>());
        var options = provider.GetRequiredService<IOptions<RedisOptions>>().Value;
        // The official defaults: false without a string; a parsed string keeps StackExchange.Redis's default (true).
        Assert.Equal(overload.StartsWith("string", StringComparison.Ordinal), options.Configuration.AbortOnConnectFail);
        if (overload.StartsWith("string", StringComparison.Ordinal))
        {
            Assert.Equal("10.1.2.3:7000", Assert.Single(options.Configuration.EndPoints).ToString());
        }

        if (overload.Contains("action", StringComparison.Ordinal))
        {
            Assert.Equal("app", options.Configuration.ChannelPrefix.ToString());
        }
    }

    [Fact]
    [Trait("Category", "Integration")] // a redis-server process
    public async Task ConnectionFactoryIsUsedAndItsConnectionIsLeftOpen()
    {
        var endpoint = await RedisServer.GetSharedEndpointAsync();
        var own = await ConnectionMultiplexer.ConnectAsync(endpoint);
        await using var _ = own;
        var calls = 0;
        var services = new ServiceCollection().AddLogging();
        services.AddSignalRLite().AddStackExchangeRedis(o => o.ConnectionFactory = _ =>
        {
            calls++;
            return Task.FromResult<IConnectionMultiplexer>(own);
        });
        var provider = services.BuildServiceProvider();
        var context = provider.GetRequiredService<IHubContext<RedisTestHub>>();

        await context.Clients.All.SendAsync("Receive", "all", "x");
        await context.Clients.Group("g").SendAsync("Receive", "group", "x");
        await provider.DisposeAsync();

        Assert.Equal(1, calls);
        Assert.True(own.IsConnected);
    }
}
