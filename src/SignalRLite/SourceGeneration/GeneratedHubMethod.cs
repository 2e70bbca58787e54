using System.ComponentModel;
using System.Reflection;

namespace SignalRLite.SourceGeneration;

/// <summary>One generated hub method: its facts and a direct invoker. For generated code only.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class GeneratedHubMethod
{
    /// <summary>Creates the method entry.</summary>
    /// <param name="name">The name clients call (<see cref="HubMethodNameAttribute"/> or the method's name).</param>
    /// <param name="method">Finds the <see cref="MethodInfo"/> (for filters); called at most once, when first needed.</param>
    /// <param name="parameters">The parameters in declaration order.</param>
    /// <param name="invoker">Calls the method with a full argument array and awaits it; yields the result or the stream object.</param>
    /// <param name="streamEnumerator">For a streaming method, turns the stream object into boxed items; else null.</param>
    /// <param name="isSynchronous">The method returns no awaitable and no stream.</param>
    /// <param name="hasAuthorizationAttributes">The method (or a method it overrides) carries an authorization attribute
    /// (<c>IAuthorizeData</c> or <c>IAllowAnonymous</c>): the runtime reads them from the <see cref="MethodInfo"/>.</param>
    public GeneratedHubMethod(
        string name,
        Func<MethodInfo> method,
        GeneratedHubParameter[] parameters,
        Func<object, object?[], ValueTask<object?>> invoker,
        Func<object, CancellationToken, IAsyncEnumerable<object?>>? streamEnumerator,
        bool isSynchronous,
        bool hasAuthorizationAttributes)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(invoker);
        Name = name;
        Method = method;
        Parameters = parameters;
        Invoker = invoker;
        StreamEnumerator = streamEnumerator;
        IsSynchronous = isSynchronous;
        HasAuthorizationAttributes = hasAuthorizationAttributes;
    }

    /// <summary>The name clients call.</summary>
    public string Name { get; }

    /// <summary>Finds the method's <see cref="MethodInfo"/>.</summary>
    public Func<MethodInfo> Method { get; }

    /// <summary>The parameters in declaration order.</summary>
    public IReadOnlyList<GeneratedHubParameter> Parameters { get; }

    /// <summary>Calls the method and awaits it.</summary>
    public Func<object, object?[], ValueTask<object?>> Invoker { get; }

    /// <summary>Enumerates a streaming method's result; null for other methods.</summary>
    public Func<object, CancellationToken, IAsyncEnumerable<object?>>? StreamEnumerator { get; }

    /// <summary>The method returns no awaitable and no stream.</summary>
    public bool IsSynchronous { get; }

    /// <summary>The method carries authorization attributes.</summary>
    public bool HasAuthorizationAttributes { get; }
}
