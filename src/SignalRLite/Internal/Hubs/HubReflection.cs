using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace SignalRLite.Internal.Hubs;

/// <summary>
/// Whether the reflection path for hubs (method tables by reflection with compiled expression trees, the
/// ActivatorUtilities hub factory, <c>DispatchProxy</c> client proxies) may run. True on the JIT; false in a Native AOT
/// app, where that code cannot work for every hub shape (no dynamic code, trimmed metadata) and is removed: hubs and
/// client interfaces there need the source generator's output (docs/aot.md), and a hub without it fails with an error
/// that says so.
/// </summary>
internal static class HubReflection
{
    /// <summary>The reflection path is available (the JIT can compile expression trees and generic instantiations).</summary>
    /// <remarks>
    /// A feature guard for both trimming and dynamic code: trimming tools (ILLink, and ILC for Native AOT) treat it as
    /// false and remove what it guards, so a published trimmed or AOT app gets no warnings from the reflection path and
    /// needs the generated code. The package also sets the switch to false for such publishes
    /// (buildTransitive/SignalRLite.targets). Tests set the switch to false to run the generated path's errors.
    /// </remarks>
    [FeatureGuard(typeof(RequiresDynamicCodeAttribute))]
    [FeatureGuard(typeof(RequiresUnreferencedCodeAttribute))]
    [FeatureSwitchDefinition(SwitchName)]
    public static bool IsSupported
    {
        // IL4000: the analyzer cannot prove the trimming half of this guard from the body (no runtime property says
        // "not trimmed"); it is sound because a trimmed app never runs this body: the trimmer substitutes the guard.
        [UnconditionalSuppressMessage("Trimming", "IL4000", Justification = "Trimming tools substitute this feature guard with false; an untrimmed app may use reflection freely.")]
        get => RuntimeFeature.IsDynamicCodeSupported && (!AppContext.TryGetSwitch(SwitchName, out var enabled) || enabled);
    }

    private const string SwitchName = "SignalRLite.Hubs.IsReflectionSupported";

    /// <summary>The error for a hub or client type the generator did not describe, when reflection is unavailable.</summary>
    public static NotSupportedException NotGenerated(Type type, string what) =>
        new($"No source-generated {what} for '{type.FullName}', and this app cannot build one by reflection (Native AOT or trimming). " +
            "Reference the SignalRLite package (its source generator describes every hub and Hub<T> client interface of the app at compile time) " +
            "and keep <SignalRLiteGenerateHubs> unset or true; see docs/aot.md.");

    /// <summary>
    /// Whether <typeparamref name="THub"/> overrides <see cref="Hub.OnAuthenticationRefreshedAsync"/>: from the generated
    /// registration, else by reflection (a trimmed-away method reads as "not overridden").
    /// </summary>
    public static bool OverridesAuthenticationRefreshed<THub>() where THub : Hub
    {
        if (SourceGeneration.GeneratedHubs.FindHub<THub>() is { } generated)
        {
            return generated.OverridesAuthenticationRefreshed;
        }

        return IsSupported && ReflectedOverride(typeof(THub));
    }

    [RequiresUnreferencedCode("Looks the method up by reflection.")]
    private static bool ReflectedOverride(Type hubType) =>
        hubType.GetMethod(nameof(Hub.OnAuthenticationRefreshedAsync), Type.EmptyTypes)?.DeclaringType is { } declaring && declaring != typeof(Hub);
}
