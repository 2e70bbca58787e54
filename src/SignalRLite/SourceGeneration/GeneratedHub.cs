using System.ComponentModel;

namespace SignalRLite.SourceGeneration;

/// <summary>What the source generator produced for one hub type. For generated code only.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class GeneratedHub<THub> where THub : Hub
{
    /// <summary>Creates the registration.</summary>
    /// <param name="factory">Constructs the hub from the invocation's services (the constructor the default activator
    /// would pick); null when the generator could not write it (the reflection activator is used then).</param>
    /// <param name="constructorHasParameters">Whether any public constructor takes parameters.</param>
    /// <param name="overridesAuthenticationRefreshed">Whether the hub overrides <c>OnAuthenticationRefreshedAsync</c>.</param>
    /// <param name="methods">The hub methods, as the reflection path would find them.</param>
    public GeneratedHub(Func<IServiceProvider, THub>? factory, bool constructorHasParameters, bool overridesAuthenticationRefreshed, GeneratedHubMethod[] methods)
    {
        ArgumentNullException.ThrowIfNull(methods);
        Factory = factory;
        ConstructorHasParameters = constructorHasParameters;
        OverridesAuthenticationRefreshed = overridesAuthenticationRefreshed;
        Methods = methods;
    }

    /// <summary>Constructs the hub; null when the reflection activator applies.</summary>
    public Func<IServiceProvider, THub>? Factory { get; }

    /// <summary>Whether any public constructor takes parameters.</summary>
    public bool ConstructorHasParameters { get; }

    /// <summary>Whether the hub overrides <c>OnAuthenticationRefreshedAsync</c>.</summary>
    public bool OverridesAuthenticationRefreshed { get; }

    /// <summary>The hub methods.</summary>
    public IReadOnlyList<GeneratedHubMethod> Methods { get; }
}
