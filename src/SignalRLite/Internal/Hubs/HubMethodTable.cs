using System.Reflection;
using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace SignalRLite.Internal.Hubs;

/// <summary>
/// The callable methods of one hub type, built once. Lookup is exact first, then ordinal case-insensitive (clients
/// commonly call <c>sendMessage</c> for <c>SendMessage</c>); two methods that differ only by case are refused at startup.
/// </summary>
internal sealed class HubMethodTable
{
    private readonly Dictionary<string, HubMethodDescriptor> _exact = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HubMethodDescriptor> _ignoreCase = new(StringComparer.OrdinalIgnoreCase);
    private readonly (byte[] Utf8, string Name)[] _targets;

    public HubMethodTable(Type hubType, IServiceProviderIsService? isService, bool disableImplicitServices)
    {
        foreach (var method in GetHubMethods(hubType))
        {
            var name = method.GetCustomAttribute<HubMethodNameAttribute>()?.Name ?? method.Name;
            if (_exact.ContainsKey(name))
            {
                throw new NotSupportedException($"Duplicate definitions of '{name}' on hub '{hubType.Name}'. Overloading is not supported.");
            }

            if (_ignoreCase.TryGetValue(name, out var other))
            {
                throw new NotSupportedException($"Hub '{hubType.Name}' has methods '{other.Name}' and '{name}' that differ only by case; method names must be unique ignoring case.");
            }

            var descriptor = new HubMethodDescriptor(name, method, isService, disableImplicitServices);
            _exact.Add(name, descriptor);
            _ignoreCase.Add(name, descriptor);
        }

        _targets = _exact.Keys.Select(n => (Encoding.UTF8.GetBytes(n), n)).ToArray();
    }

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
