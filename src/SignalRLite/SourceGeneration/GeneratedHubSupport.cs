using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace SignalRLite.SourceGeneration;

/// <summary>
/// The helpers a hub method invoker needs: awaiting whatever the method returns into a <c>ValueTask&lt;object?&gt;</c>
/// and enumerating a stream result as boxed items. Used by generated invokers (with their type arguments written out,
/// so they exist under Native AOT) and by the reflection path. For generated code only.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GeneratedHubSupport
{
    /// <summary>Awaits a <see cref="Task"/>; yields null.</summary>
    public static ValueTask<object?> AwaitTask(Task task)
    {
        if (task.IsCompletedSuccessfully)
        {
            return default;
        }

        return Await(task);

        static async ValueTask<object?> Await(Task task)
        {
            await task.ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>Awaits a <see cref="Task{TResult}"/>; yields its boxed result.</summary>
    public static ValueTask<object?> AwaitTask<T>(Task<T> task)
    {
        if (task.IsCompletedSuccessfully)
        {
            return new ValueTask<object?>(task.Result);
        }

        return Await(task);

        static async ValueTask<object?> Await(Task<T> task) => await task.ConfigureAwait(false);
    }

    /// <summary>Awaits a <see cref="ValueTask"/>; yields null.</summary>
    public static ValueTask<object?> AwaitValueTask(ValueTask task)
    {
        if (task.IsCompletedSuccessfully)
        {
            task.GetAwaiter().GetResult();
            return default;
        }

        return Await(task);

        static async ValueTask<object?> Await(ValueTask task)
        {
            await task.ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>Awaits a <see cref="ValueTask{TResult}"/>; yields its boxed result.</summary>
    public static ValueTask<object?> AwaitValueTask<T>(ValueTask<T> task)
    {
        if (task.IsCompletedSuccessfully)
        {
            return new ValueTask<object?>(task.Result);
        }

        return Await(task);

        static async ValueTask<object?> Await(ValueTask<T> task) => await task.ConfigureAwait(false);
    }

    /// <summary>Enumerates an <see cref="IAsyncEnumerable{T}"/> stream result as boxed items.</summary>
    public static async IAsyncEnumerable<object?> EnumerateAsyncEnumerable<T>(object source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in ((IAsyncEnumerable<T>)source).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return item;
        }
    }

    /// <summary>Enumerates a <see cref="ChannelReader{T}"/> stream result as boxed items.</summary>
    public static async IAsyncEnumerable<object?> EnumerateChannel<T>(object source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = (ChannelReader<T>)source;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                yield return item;
            }
        }
    }

    /// <summary>
    /// A constructor dependency of a generated hub factory: the service, or the error the reflection activator gives
    /// when it is missing.
    /// </summary>
    public static T GetConstructorService<T>(IServiceProvider services, Type hubType) =>
        services.GetService(typeof(T)) is T service
            ? service
            : throw new InvalidOperationException($"Unable to resolve service for type '{typeof(T)}' while attempting to activate '{hubType}'.");

    /// <summary>
    /// A client-result call of a generated <c>Hub&lt;T&gt;</c> client proxy: <c>InvokeCoreAsync</c> on a single client,
    /// else the error the reflection proxy throws.
    /// </summary>
    public static Task<TResult> InvokeClientAsync<TResult>(IClientProxy proxy, string method, object?[] args, CancellationToken cancellationToken) =>
        proxy is ISingleClientProxy single
            ? single.InvokeCoreAsync<TResult>(method, args, cancellationToken)
            : throw NotASingleClient(method);

    internal static InvalidOperationException NotASingleClient(string method) =>
        new($"'{method}' returns a result; only a single client (Caller, Client) can be asked for a result.");
}
