using System.Collections;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Official = Microsoft.AspNetCore.SignalR;
using OfficialConnections = Microsoft.AspNetCore.Http.Connections;

namespace SignalRLite.Tests.ApiParity;

/// <summary>
/// Every option's default, compared with the official server's: the official options types are created and configured
/// by the official registration (a black box), ours by ours, and every property the two share must read the same.
/// </summary>
public class OptionDefaultsComparisonTests
{
    [Fact]
    public void HubOptionsDefaultsAreTheOfficialOnes()
    {
        using var official = new ServiceCollection().AddLogging().AddSignalR().Services.BuildServiceProvider();
        using var ours = new ServiceCollection().AddLogging().AddSignalRLite().Services.BuildServiceProvider();

        AssertSameValues(
            official.GetRequiredService<IOptions<Official.HubOptions>>().Value,
            ours.GetRequiredService<IOptions<HubOptions>>().Value);
    }

    [Fact]
    public void ConnectionLayerDefaultsAreTheOfficialOnes()
    {
        AssertSameValues(new OfficialConnections.HttpConnectionDispatcherOptions(), new Http.Connections.HttpConnectionDispatcherOptions());
        AssertSameValues(new OfficialConnections.HttpConnectionDispatcherOptions().LongPolling, new Http.Connections.HttpConnectionDispatcherOptions().LongPolling);
        AssertSameValues(new OfficialConnections.HttpConnectionDispatcherOptions().WebSockets, new Http.Connections.HttpConnectionDispatcherOptions().WebSockets);
        AssertSameValues(new Official.HubConnectionContextOptions(), new HubConnectionContextOptions());

        using var official = new ServiceCollection().AddLogging().AddSignalR().Services.BuildServiceProvider();
        using var ours = new ServiceCollection().AddLogging().AddSignalRLite().Services.BuildServiceProvider();
        AssertSameValues(
            official.GetRequiredService<IOptions<OfficialConnections.ConnectionOptions>>().Value,
            ours.GetRequiredService<IOptions<Http.Connections.ConnectionOptions>>().Value);
    }

    /// <summary>Compares the shared public properties of simple types (and lists of strings); others are left out.</summary>
    private static void AssertSameValues(object official, object ours)
    {
        var compared = 0;
        foreach (var property in official.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (ours.GetType().GetProperty(property.Name) is not { } mine || !IsComparable(property.PropertyType))
            {
                continue;
            }

            Assert.True(Render(property.GetValue(official)) == Render(mine.GetValue(ours)),
                $"{official.GetType().Name}.{property.Name}: official {Render(property.GetValue(official))}, ours {Render(mine.GetValue(ours))}");
            compared++;
        }

        Assert.True(compared > 0, $"no property of {official.GetType().Name} was compared");
    }

    private static bool IsComparable(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(TimeSpan) || type == typeof(string) || typeof(IEnumerable<string>).IsAssignableFrom(type);
    }

    private static string Render(object? value) => value switch
    {
        null => "null",
        string s => s,
        IEnumerable items => "[" + string.Join(",", items.Cast<object?>().Select(Render)) + "]",
        Enum e => Convert.ToInt64(e, System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "?",
    };
}
