using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using SignalRLite.SourceGeneration;

namespace SignalRLite.Internal.Hubs;

/// <summary>
/// The callable methods of one hub type, built once. Lookup is exact first, then ordinal case-insensitive (clients
/// commonly call <c>sendMessage</c> for <c>SendMessage</c>); two methods that differ only by case are refused at startup.
/// The methods come from the source generator's registration for the hub (<see cref="GeneratedHubs"/>) when there is
/// one, else from reflection.
/// </summary>
internal sealed class HubMethodTable
{
    private readonly Dictionary<string, HubMethodDescriptor> _exact = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HubMethodDescriptor> _ignoreCase = new(StringComparer.OrdinalIgnoreCase);
    private readonly (byte[] Utf8, string Name)[] _targets;

    private HubMethodTable(Type hubType, IEnumerable<(string Name, Func<HubMethodDescriptor> Create)> methods)
    {
        foreach (var (name, create) in methods)
        {
            if (_exact.ContainsKey(name))
            {
                throw new NotSupportedException($"Duplicate definitions of '{name}' on hub '{hubType.Name}'. Overloading is not supported.");
            }

            if (_ignoreCase.TryGetValue(name, out var other))
            {
                throw new NotSupportedException($"Hub '{hubType.Name}' has methods '{other.Name}' and '{name}' that differ only by case; method names must be unique ignoring case.");
            }

            var descriptor = create();
            _exact.Add(name, descriptor);
            _ignoreCase.Add(name, descriptor);
        }

        _targets = _exact.Keys.Select(n => (Encoding.UTF8.GetBytes(n), n)).ToArray();
    }

    /// <summary>Whether this table was built from generated code (tests and benchmarks check which path ran).</summary>
    public bool IsGenerated { get; private init; }

    /// <summary>The table of <typeparamref name="THub"/>: generated when registered, else by reflection when the app can.</summary>
    public static HubMethodTable Create<THub>(IServiceProviderIsService? isService, bool disableImplicitServices) where THub : Hub
    {
        if (GeneratedHubs.FindHub<THub>() is { } generated)
        {
            return FromGenerated(typeof(THub), generated.Methods, isService, disableImplicitServices);
        }

        if (!HubReflection.IsSupported)
        {
            throw HubReflection.NotGenerated(typeof(THub), "method table");
        }

        return FromReflection(typeof(THub), isService, disableImplicitServices);
    }

    public static HubMethodTable FromGenerated(Type hubType, IEnumerable<GeneratedHubMethod> methods, IServiceProviderIsService? isService, bool disableImplicitServices) =>
        new(hubType, methods.Select(m => (m.Name, (Func<HubMethodDescriptor>)(() => new HubMethodDescriptor(m, isService, disableImplicitServices)))))
        {
            IsGenerated = true,
        };

    [RequiresUnreferencedCode("Finds hub methods by reflection; hubs described by the source generator do not come here.")]
    [RequiresDynamicCode("Builds invokers at run time; hubs described by the source generator do not come here.")]
    public static HubMethodTable FromReflection(Type hubType, IServiceProviderIsService? isService, bool disableImplicitServices) =>
        new(hubType, GetHubMethods(hubType).Select(method =>
        {
            var name = method.GetCustomAttribute<HubMethodNameAttribute>()?.Name ?? method.Name;
            return (name, (Func<HubMethodDescriptor>)(() => HubMethodDescriptor.FromReflection(name, method, isService, disableImplicitServices)));
        }));

    public IEnumerable<HubMethodDescriptor> Methods => _exact.Values;

    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HubMethodDescriptor? descriptor) =>
        _exact.TryGetValue(name, out descriptor) || _ignoreCase.TryGetValue(name, out descriptor);

    /// <summary>The cached string of a known target name, to avoid an allocation per message.</summary>
    public string? GetTarget(ReadOnlySpan<byte> utf8)
    {
        foreach (var (bytes, name) in _targets)
        {
            if (utf8.SequenceEqual(bytes))
            {
                return name;
            }
        }

        return null;
    }

    [RequiresUnreferencedCode("Finds hub methods by reflection.")]
    private static IEnumerable<MethodInfo> GetHubMethods(Type hubType)
    {
        foreach (var method in hubType.GetMethods(BindingFlags.Public | BindingFlags.Instance))
        {
            if (method.IsSpecialName || method.IsGenericMethodDefinition)
            {
                continue;
            }

            var declaring = method.GetBaseDefinition().DeclaringType;
            if (declaring == typeof(object) || declaring == typeof(Hub)
                || (declaring is { IsGenericType: true } && declaring.GetGenericTypeDefinition() == typeof(Hub<>))
                || (method.Name == nameof(IDisposable.Dispose) && method.GetParameters().Length == 0))
            {
                continue;
            }

            yield return method;
        }
    }
}
