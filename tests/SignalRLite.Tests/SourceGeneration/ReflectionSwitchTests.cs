using SignalRLite.Internal.Hubs;
using SignalRLite.Tests.Hubs;

namespace SignalRLite.Tests.SourceGeneration;

[CollectionDefinition(nameof(ReflectionSwitchTests), DisableParallelization = true)]
public sealed class ReflectionSwitchCollection;

/// <summary>
/// The app as Native AOT sees it: the reflection path switched off (the SignalRLite.Hubs.IsReflectionSupported switch,
/// which AOT and trimmed publishes set). Generated hubs and proxies keep working; the rest fails with an error that
/// says why. Not parallel: the switch is process-wide.
/// </summary>
[Collection(nameof(ReflectionSwitchTests))]
public sealed class ReflectionSwitchTests
{
    private const string Switch = "SignalRLite.Hubs.IsReflectionSupported";

    [Fact]
    public void Without_the_reflection_path_only_types_without_generated_code_fail_and_the_error_says_so()
    {
        AppContext.SetSwitch(Switch, false);
        try
        {
            Assert.False(HubReflection.IsSupported);
            var table = Assert.Throws<NotSupportedException>(() => HubMethodTable.Create<ReflectionOnlyHub<long>>(null, false));
            Assert.Contains("No source-generated method table for 'SignalRLite.Tests.SourceGeneration.ReflectionOnlyHub`1", table.Message, StringComparison.Ordinal);
            Assert.Contains("docs/aot.md", table.Message, StringComparison.Ordinal);
            var proxy = Assert.Throws<NotSupportedException>(() => TypedClientProxy<IReflectionOnlyClient>.Create(new RecordingProxy()));
            Assert.Contains("No source-generated client proxy for 'SignalRLite.Tests.SourceGeneration.IReflectionOnlyClient'", proxy.Message, StringComparison.Ordinal);

            Assert.True(HubMethodTable.Create<TestHub>(null, false).IsGenerated);
            Assert.Equal("SignalRLite.Generated", TypedClientProxy<IChatClient>.Create(new RecordingProxy()).GetType().Namespace);
        }
        finally
        {
            AppContext.SetSwitch(Switch, true);
        }

        Assert.True(HubReflection.IsSupported);
    }
}
