using Microsoft.CodeAnalysis;

namespace SignalRLite.Analyzers;

/// <summary>
/// The diagnostics of <see cref="HubAnalyzer"/>. Each one mirrors a check the runtime makes (HubMethodTable,
/// HubMethodDescriptor, TypedClientProxy): the runtime fails at MapHub (the hub's method table is built there) or at the
/// first use of <c>Clients</c>; these report it at compile time instead. Documented in docs/analyzers.md.
/// </summary>
internal static class Descriptors
{
    private const string Category = "SignalRLite";
    private const string HelpLink = "https://github.com/signalrlite/signalrlite/blob/main/docs/analyzers.md";

    public static readonly DiagnosticDescriptor DuplicateName = new(
        "SRL0001",
        "Hub methods must have unique names",
        "Hub '{0}' has more than one method named '{1}'; overloading is not supported (MapHub throws NotSupportedException). Rename the method or give it a distinct [HubMethodName].",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink + "#srl0001");

    public static readonly DiagnosticDescriptor CaseOnlyName = new(
        "SRL0002",
        "Hub method names must be unique ignoring case",
        "Hub '{0}' has methods '{1}' and '{2}' that differ only by case; method names must be unique ignoring case (MapHub throws NotSupportedException)",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink + "#srl0002");

    public static readonly DiagnosticDescriptor UnsupportedParameter = new(
        "SRL0003",
        "Hub method parameter kind is not supported",
        "Parameter '{0}' of hub method '{1}' is {2}; hub method parameters cannot be ref, out, in, pointers or ref structs ({3})",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink + "#srl0003");

    public static readonly DiagnosticDescriptor UnsupportedReturn = new(
        "SRL0004",
        "Hub method return type is not supported",
        "Hub method '{0}' returns {1}; a hub method cannot return by reference, a pointer or a ref struct (MapHub throws)",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink + "#srl0004");

    public static readonly DiagnosticDescriptor GenericMethod = new(
        "SRL0005",
        "Generic methods are not hub methods",
        "Method '{0}' is generic, so it is not a hub method: clients calling '{0}' get 'Method does not exist'. Make it non-generic, or non-public if it is not meant for clients.",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink + "#srl0005");

    public static readonly DiagnosticDescriptor ClientNotInterface = new(
        "SRL0006",
        "Strongly typed hub client type must be an interface",
        "Type '{0}' must be an interface to be used as a strongly typed hub client; Hub<{0}> throws InvalidOperationException when Clients is used",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink + "#srl0006");

    public static readonly DiagnosticDescriptor ClientMember = new(
        "SRL0007",
        "Strongly typed hub client interface must contain only methods",
        "'{0}' declares the {1} '{2}'; a strongly typed hub client interface must contain only methods (Clients throws InvalidOperationException)",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink + "#srl0007");

    public static readonly DiagnosticDescriptor ClientReturn = new(
        "SRL0008",
        "Strongly typed hub client methods must return Task or Task<T>",
        "Client method '{0}.{1}' returns '{2}'; client proxy methods must return System.Threading.Tasks.Task or Task<T> (Clients throws InvalidOperationException)",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink + "#srl0008");

    public static readonly DiagnosticDescriptor JsonContextMissingType = new(
        "SRL0020",
        "Hub payload type missing from the app's JsonSerializerContext",
        "'{0}' ({1}) is not in the JsonSerializerContext passed to AddJsonProtocol ({2}); under Native AOT or trimming the JSON protocol cannot serialize it and the call fails. Add [JsonSerializable(typeof({0}))] to the context.",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink + "#srl0020", customTags: WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor MessagePackUnsupportedType = new(
        "SRL0030",
        "MessagePack object type is not supported under Native AOT",
        "[MessagePackObject] type '{0}' gets no generated MessagePack formatter: {1}. Under Native AOT the MessagePack protocol cannot serialize it.",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink + "#srl0030");
}
