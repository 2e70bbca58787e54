using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace SignalRLite.Analyzers;

/// <summary>
/// SRL0020: a type that travels as JSON through a hub (parameter, result, stream item either way, argument or result
/// of a <c>Hub&lt;T&gt;</c> client method) and is missing from the app's <c>JsonSerializerContext</c>. Under Native AOT
/// or trimming the JSON protocol resolves payload types only through the contexts the app passes (reflection is off
/// there), so such a call fails at run time with <c>NotSupportedException</c>.
/// <para>
/// "The app's contexts" are the <c>JsonSerializerContext</c> types named inside the arguments of a SignalRLite
/// <c>AddJsonProtocol(...)</c> call (typically <c>o.PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, AppJsonContext.Default)</c>).
/// An app that passes none gets no SRL0020 (it runs on reflection). A type counts as present when a
/// <c>[JsonSerializable]</c> root of one of those contexts is the type or reaches it (public properties, collection
/// element types, <c>Nullable&lt;T&gt;</c>), as the System.Text.Json generator does; the primitive types SignalRLite
/// resolves itself (<c>JsonBuiltInPayloadTypes</c>) count too, unless the app replaced the resolver
/// (<c>TypeInfoResolver = ...</c>) rather than inserting into the chain.
/// </para>
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class JsonContextAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Mirrors src/SignalRLite/Internal/Protocol/JsonPayloadResolver.cs (JsonBuiltInPayloadTypes).</summary>
    private static readonly ImmutableHashSet<string> BuiltIn = ImmutableHashSet.Create(
        "object", "string", "bool", "bool?", "byte", "byte?", "sbyte", "sbyte?", "short", "short?", "ushort", "ushort?", "int", "int?",
        "uint", "uint?", "long", "long?", "ulong", "ulong?", "float", "float?", "double", "double?", "decimal", "decimal?", "char", "char?",
        "System.Guid", "System.Guid?", "System.DateTime", "System.DateTime?", "System.DateTimeOffset", "System.DateTimeOffset?",
        "System.TimeSpan", "System.TimeSpan?", "System.DateOnly", "System.DateOnly?", "System.TimeOnly", "System.TimeOnly?",
        "byte[]", "string[]", "int[]", "System.Text.Json.JsonElement");

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.JsonContextMissingType);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var known = KnownTypes.TryCreate(start.Compilation);
            var contextBase = start.Compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonSerializerContext");
            if (known is null || contextBase is null)
            {
                return;
            }

            var state = new State(start.Compilation, known, contextBase);
            start.RegisterOperationAction(c => state.CollectContexts((IInvocationOperation)c.Operation), OperationKind.Invocation);
            start.RegisterSymbolAction(c => state.CollectHub(c.Symbol), SymbolKind.NamedType);
            start.RegisterCompilationEndAction(state.Report);
        });
    }

    private sealed class State
    {
        private readonly KnownTypes _known;
        private readonly INamedTypeSymbol _contextBase;
        private readonly INamedTypeSymbol? _jsonSerializable;
        private readonly INamedTypeSymbol? _cancellationToken;
        private readonly INamedTypeSymbol? _asyncEnumerable;
        private readonly INamedTypeSymbol? _channelReader;
        private readonly INamedTypeSymbol? _valueTask;
        private readonly INamedTypeSymbol? _valueTaskOfT;
        private readonly INamedTypeSymbol? _enumerable;
        private readonly INamedTypeSymbol? _fromServiceMetadata;
        private readonly INamedTypeSymbol? _fromKeyedServices;
        private readonly ConcurrentDictionary<INamedTypeSymbol, bool> _contexts = new(SymbolEqualityComparer.Default);
        private readonly ConcurrentBag<INamedTypeSymbol> _hubs = new();
        private int _insertedIntoChain;

        public State(Compilation compilation, KnownTypes known, INamedTypeSymbol contextBase)
        {
            _known = known;
            _contextBase = contextBase;
            _jsonSerializable = compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonSerializableAttribute");
            _cancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
            _asyncEnumerable = compilation.GetTypeByMetadataName("System.Collections.Generic.IAsyncEnumerable`1");
            _channelReader = compilation.GetTypeByMetadataName("System.Threading.Channels.ChannelReader`1");
            _valueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
            _valueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
            _enumerable = compilation.GetTypeByMetadataName("System.Collections.IEnumerable");
            _fromServiceMetadata = compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Http.Metadata.IFromServiceMetadata");
            _fromKeyedServices = compilation.GetTypeByMetadataName("Microsoft.Extensions.DependencyInjection.FromKeyedServicesAttribute");
        }

        /// <summary>Contexts named in the arguments of SignalRLite's AddJsonProtocol.</summary>
        public void CollectContexts(IInvocationOperation invocation)
        {
            if (invocation.TargetMethod.Name != "AddJsonProtocol"
                || invocation.TargetMethod.ContainingNamespace?.ToDisplayString() != "Microsoft.Extensions.DependencyInjection"
                || invocation.TargetMethod.ContainingType.Name != "SignalRLiteServerBuilderExtensions")
            {
                return;
            }

            foreach (var argument in invocation.Arguments)
            {
                foreach (var operation in argument.Descendants())
                {
                    var type = operation switch
                    {
                        IPropertyReferenceOperation p => p.Type,
                        IFieldReferenceOperation f => f.Type,
                        IObjectCreationOperation o => o.Type,
                        _ => null,
                    };
                    if (type is INamedTypeSymbol named && IsContext(named))
                    {
                        _contexts.TryAdd(named, true);
                        if (!IsAssignedToTypeInfoResolver(operation))
                        {
                            System.Threading.Interlocked.Exchange(ref _insertedIntoChain, 1);
                        }
                    }
                }
            }
        }

        public void CollectHub(ISymbol symbol)
        {
            if (symbol is INamedTypeSymbol { TypeKind: TypeKind.Class } type && _known.IsHub(type))
            {
                _hubs.Add(type);
            }
        }

        public void Report(CompilationAnalysisContext context)
        {
            if (_contexts.IsEmpty)
            {
                return;
            }

            var covered = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
            foreach (var ctx in _contexts.Keys)
            {
                foreach (var attribute in ctx.GetAttributes())
                {
                    if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, _jsonSerializable)
                        && attribute.ConstructorArguments.Length >= 1 && attribute.ConstructorArguments[0].Value is ITypeSymbol root)
                    {
                        AddClosure(root, covered);
                    }
                }
            }

            var builtIn = _insertedIntoChain != 0;
            var contextNames = string.Join(", ", _contexts.Keys.Select(c => c.Name).OrderBy(n => n, System.StringComparer.Ordinal));
            var reported = new HashSet<(ISymbol, ITypeSymbol)>();
            foreach (var hub in _hubs)
            {
                foreach (var (type, what, where, location) in PayloadTypes(hub))
                {
                    if (type is ITypeParameterSymbol or IErrorTypeSymbol || type.SpecialType == SpecialType.System_Object
                        || covered.Contains(type) || (builtIn && BuiltIn.Contains(type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString()))
                        || !reported.Add((where, type)))
                    {
                        continue;
                    }

                    context.ReportDiagnostic(Diagnostic.Create(Descriptors.JsonContextMissingType, location,
                        type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(), what, contextNames));
                }
            }
        }

        /// <summary>Every payload type of a hub: its methods' wire parameters, uploads, results and stream items, and its client interface's.</summary>
        private IEnumerable<(ITypeSymbol Type, string What, ISymbol Where, Location Location)> PayloadTypes(INamedTypeSymbol hub)
        {
            foreach (var method in HubMethods(hub))
            {
                var methodLocation = method.Locations.FirstOrDefault(l => l.IsInSource) ?? hub.Locations.FirstOrDefault() ?? Location.None;
                foreach (var parameter in method.Parameters)
                {
                    if (IsServiceOrToken(parameter))
                    {
                        continue;
                    }

                    var location = parameter.Locations.FirstOrDefault(l => l.IsInSource) ?? methodLocation;
                    if (StreamItem(parameter.Type) is { } uploadItem)
                    {
                        yield return (uploadItem, $"the upload stream item of parameter '{parameter.Name}' of {hub.Name}.{method.Name}", parameter, location);
                    }
                    else
                    {
                        yield return (parameter.Type, $"parameter '{parameter.Name}' of {hub.Name}.{method.Name}", parameter, location);
                    }
                }

                var result = Unwrap(method.ReturnType);
                if (result is null)
                {
                    continue;
                }

                if (StreamItem(result) is { } item)
                {
                    yield return (item, $"the stream item of {hub.Name}.{method.Name}", method, methodLocation);
                }
                else
                {
                    yield return (result, $"the result of {hub.Name}.{method.Name}", method, methodLocation);
                }
            }

            if (_known.ClientTypeOf(hub.BaseType) is INamedTypeSymbol { TypeKind: TypeKind.Interface } client)
            {
                var hubLocation = hub.Locations.FirstOrDefault() ?? Location.None;
                foreach (var declaring in new[] { client }.Concat(client.AllInterfaces))
                {
                    foreach (var method in declaring.GetMembers().OfType<IMethodSymbol>().Where(m => m.MethodKind == MethodKind.Ordinary))
                    {
                        foreach (var parameter in method.Parameters.Where(p => !SymbolEqualityComparer.Default.Equals(p.Type, _cancellationToken)))
                        {
                            var location = parameter.Locations.FirstOrDefault(l => l.IsInSource) ?? hubLocation;
                            yield return (parameter.Type, $"parameter '{parameter.Name}' of client method {declaring.Name}.{method.Name}", parameter, location);
                        }

                        if (Unwrap(method.ReturnType) is { } clientResult)
                        {
                            var location = method.Locations.FirstOrDefault(l => l.IsInSource) ?? hubLocation;
                            yield return (clientResult, $"the client result of {declaring.Name}.{method.Name}", method, location);
                        }
                    }
                }
            }
        }

        /// <summary>The hub methods as the runtime sees them (HubAnalyzer has the full rules): public instance, non-generic, up to Hub.</summary>
        private IEnumerable<IMethodSymbol> HubMethods(INamedTypeSymbol hub)
        {
            for (var t = hub; t is not null && !_known.IsFrameworkBase(t); t = t.BaseType)
            {
                // Only methods declared on the hub itself: a base hub reports its own methods when it is collected.
                if (!SymbolEqualityComparer.Default.Equals(t, hub))
                {
                    yield break;
                }

                foreach (var member in t.GetMembers())
                {
                    if (member is not IMethodSymbol { MethodKind: MethodKind.Ordinary, IsStatic: false, IsGenericMethod: false, DeclaredAccessibility: Accessibility.Public } method
                        || (method.Name == "Dispose" && method.Parameters.Length == 0))
                    {
                        continue;
                    }

                    var root = method;
                    while (root.OverriddenMethod is { } o)
                    {
                        root = o;
                    }

                    if (!_known.IsFrameworkBase(root.ContainingType))
                    {
                        yield return method;
                    }
                }
            }
        }

        private bool IsServiceOrToken(IParameterSymbol parameter)
        {
            if (SymbolEqualityComparer.Default.Equals(parameter.Type, _cancellationToken))
            {
                return true;
            }

            foreach (var attribute in parameter.GetAttributes())
            {
                if (attribute.AttributeClass is { } a
                    && (SymbolEqualityComparer.Default.Equals(a, _fromKeyedServices) || a.AllInterfaces.Contains(_fromServiceMetadata!, SymbolEqualityComparer.Default)))
                {
                    return true;
                }
            }

            // An interface that is not a collection is a service the runtime resolves from DI (IServiceProviderIsService),
            // never a JSON payload (System.Text.Json cannot create an interface it does not know as a collection).
            return parameter.Type.TypeKind == TypeKind.Interface && StreamItem(parameter.Type) is null
                && !parameter.Type.AllInterfaces.Contains(_enumerable!, SymbolEqualityComparer.Default)
                && !SymbolEqualityComparer.Default.Equals(parameter.Type, _enumerable);
        }

        /// <summary>T of Task&lt;T&gt; / ValueTask&lt;T&gt;, the type itself if not awaitable, null for void / Task / ValueTask.</summary>
        private ITypeSymbol? Unwrap(ITypeSymbol type)
        {
            if (type.SpecialType == SpecialType.System_Void || SymbolEqualityComparer.Default.Equals(type, _known.Task) || SymbolEqualityComparer.Default.Equals(type, _valueTask))
            {
                return null;
            }

            if (type is INamedTypeSymbol { IsGenericType: true } named
                && (SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, _known.TaskOfT) || SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, _valueTaskOfT)))
            {
                return named.TypeArguments[0];
            }

            return type;
        }

        /// <summary>T of IAsyncEnumerable&lt;T&gt; (or a type implementing it) or ChannelReader&lt;T&gt; (or a subclass).</summary>
        private ITypeSymbol? StreamItem(ITypeSymbol type)
        {
            for (var t = type as INamedTypeSymbol; t is not null; t = t.BaseType)
            {
                if (t.IsGenericType && SymbolEqualityComparer.Default.Equals(t.OriginalDefinition, _channelReader))
                {
                    return t.TypeArguments[0];
                }
            }

            if (type is INamedTypeSymbol { IsGenericType: true } named && SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, _asyncEnumerable))
            {
                return named.TypeArguments[0];
            }

            return type.AllInterfaces.FirstOrDefault(i => SymbolEqualityComparer.Default.Equals(i.OriginalDefinition, _asyncEnumerable))?.TypeArguments[0];
        }

        /// <summary>The types a [JsonSerializable(typeof(root))] gives metadata for, as the System.Text.Json generator walks them.</summary>
        private static void AddClosure(ITypeSymbol root, HashSet<ITypeSymbol> covered)
        {
            var pending = new Stack<ITypeSymbol>();
            pending.Push(root);
            while (pending.Count > 0)
            {
                var type = pending.Pop();
                if (!covered.Add(type.WithNullableAnnotation(NullableAnnotation.NotAnnotated)))
                {
                    continue;
                }

                if (type is IArrayTypeSymbol array)
                {
                    pending.Push(array.ElementType);
                    continue;
                }

                if (type is not INamedTypeSymbol named)
                {
                    continue;
                }

                // Nullable<T>, List<T>, Dictionary<K, V>, ...: the type arguments.
                foreach (var argument in named.TypeArguments)
                {
                    pending.Push(argument);
                }

                if (named.SpecialType != SpecialType.None || named.ContainingNamespace?.ToDisplayString().StartsWith("System", System.StringComparison.Ordinal) == true)
                {
                    continue;
                }

                foreach (var property in named.GetMembers().OfType<IPropertySymbol>())
                {
                    if (property is { IsStatic: false, IsIndexer: false, DeclaredAccessibility: Accessibility.Public })
                    {
                        pending.Push(property.Type);
                    }
                }

                if (named.BaseType is { } baseType)
                {
                    pending.Push(baseType);
                }
            }
        }

        private bool IsContext(INamedTypeSymbol type)
        {
            for (var t = type.BaseType; t is not null; t = t.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(t, _contextBase))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>`TypeInfoResolver = X.Default` replaces the default chain (and its built-in primitive types).</summary>
        private static bool IsAssignedToTypeInfoResolver(IOperation operation)
        {
            for (var o = operation.Parent; o is not null; o = o.Parent)
            {
                if (o is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "TypeInfoResolver" } })
                {
                    return true;
                }

                if (o is IInvocationOperation or IAnonymousFunctionOperation)
                {
                    return false;
                }
            }

            return false;
        }
    }
}
