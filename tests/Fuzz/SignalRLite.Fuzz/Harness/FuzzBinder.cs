using SignalRLite.Protocol;

namespace SignalRLite.Fuzz;

/// <summary>The colour enum bound by the fuzz binder's <c>Enum</c> method.</summary>
public enum FuzzColor
{
    /// <summary>Red.</summary>
    Red = 1,

    /// <summary>Green.</summary>
    Green = 2,

    /// <summary>Blue.</summary>
    Blue = 4,
}

/// <summary>A typical hub method parameter class (a plain object with a nested array and an enum).</summary>
public sealed class FuzzPoco
{
    /// <summary>An integer property.</summary>
    public int Id { get; set; }

    /// <summary>A string property.</summary>
    public string? Name { get; set; }

    /// <summary>A nested array.</summary>
    public int[]? Values { get; set; }

    /// <summary>An enum property.</summary>
    public FuzzColor Color { get; set; }

    /// <summary>A nullable property.</summary>
    public double? Score { get; set; }

    /// <inheritdoc />
    public override string ToString()
        => $"Poco(Id={Id},Name={MessageRenderer.Render(Name)},Values={MessageRenderer.Render(Values)},Color={(int)Color},Score={MessageRenderer.Render(Score)})";
}

/// <summary>
/// The binder the fuzz targets parse with: what a hub with a few typical methods, one open upload
/// stream per item type and two pending client-result invocations would offer. Unknown names throw,
/// like the hub runtime's binder.
/// </summary>
public sealed class FuzzBinder : IInvocationBinder
{
    /// <summary>The shared instance (stateless).</summary>
    public static readonly FuzzBinder Instance = new();

    private static readonly Dictionary<string, Type[]> Methods = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Send"] = [typeof(int), typeof(string)],
        ["Poco"] = [typeof(FuzzPoco)],
        ["Ints"] = [typeof(int[])],
        ["Obj"] = [typeof(object)],
        ["Enum"] = [typeof(FuzzColor)],
        ["Nullable"] = [typeof(int?)],
        ["Empty"] = [],
        ["Mixed"] = [typeof(string), typeof(int?), typeof(FuzzColor), typeof(object), typeof(FuzzPoco), typeof(int[])],
        ["Misc"] = [typeof(long), typeof(double), typeof(bool), typeof(byte[]), typeof(DateTime), typeof(Guid), typeof(List<string>), typeof(Dictionary<string, int>)],
    };

    /// <summary>The method names the binder knows (for seeds and warm-up).</summary>
    public static IEnumerable<KeyValuePair<string, Type[]>> KnownMethods => Methods;

    /// <summary>Every payload type the binder can ask for.</summary>
    public static IEnumerable<Type> AllTypes => Methods.Values.SelectMany(t => t).Concat([typeof(int), typeof(FuzzPoco), typeof(string)]).Distinct();

    /// <inheritdoc />
    public IReadOnlyList<Type> GetParameterTypes(string methodName)
        => Methods.TryGetValue(methodName, out var types) ? types : throw new InvalidOperationException($"Unknown hub method '{methodName}'.");

    /// <inheritdoc />
    public Type GetReturnType(string invocationId) => invocationId switch
    {
        "1" => typeof(int),
        "2" => typeof(FuzzPoco),
        _ => throw new InvalidOperationException($"No pending invocation '{invocationId}'."),
    };

    /// <inheritdoc />
    public Type GetStreamItemType(string streamId) => streamId switch
    {
        "10" => typeof(int),
        "11" => typeof(FuzzPoco),
        "12" => typeof(string),
        _ => throw new InvalidOperationException($"No upload stream '{streamId}'."),
    };
}
