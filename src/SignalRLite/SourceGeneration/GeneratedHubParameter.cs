using System.ComponentModel;
using SignalRLite.Internal.Hubs;

namespace SignalRLite.SourceGeneration;

/// <summary>Where one parameter of a generated hub method gets its value. For generated code only.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class GeneratedHubParameter
{
    private GeneratedHubParameter(Type type, HubParameterSource? source, object? serviceKey, Func<int, IUploadStream>? uploadStreamFactory)
    {
        ArgumentNullException.ThrowIfNull(type);
        Type = type;
        Source = source;
        ServiceKey = serviceKey;
        UploadStreamFactory = uploadStreamFactory;
    }

    /// <summary>The declared parameter type.</summary>
    public Type Type { get; }

    /// <summary>The source; null when decided at run time (an implicit service or an argument from the client).</summary>
    internal HubParameterSource? Source { get; }

    internal object? ServiceKey { get; }

    internal Func<int, IUploadStream>? UploadStreamFactory { get; }

    /// <summary>An argument from the client, or a service when the container knows the type (and implicit services are on).</summary>
    public static GeneratedHubParameter Argument(Type type) => new(type, null, null, null);

    /// <summary>A parameter with <c>[FromServices]</c> (any <c>IFromServiceMetadata</c> attribute).</summary>
    public static GeneratedHubParameter Service(Type type) => new(type, HubParameterSource.Services, null, null);

    /// <summary>A parameter with <c>[FromKeyedServices(key)]</c>.</summary>
    public static GeneratedHubParameter KeyedService(Type type, object? key) => new(type, HubParameterSource.KeyedServices, key, null);

    /// <summary>A <see cref="System.Threading.CancellationToken"/> parameter.</summary>
    public static GeneratedHubParameter CancellationToken() => new(typeof(CancellationToken), HubParameterSource.CancellationToken, null, null);

    /// <summary>An upload stream of <typeparamref name="T"/>: <c>ChannelReader&lt;T&gt;</c> when <paramref name="asChannel"/>, else <c>IAsyncEnumerable&lt;T&gt;</c>.</summary>
    public static GeneratedHubParameter UploadStream<T>(Type type, bool asChannel) =>
        new(type, HubParameterSource.UploadStream, null, capacity => new UploadStream<T>(capacity, asChannel));
}
