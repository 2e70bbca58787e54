using System.Buffers;
using MessagePack;
using SignalRLite.Tests.AotMessagePack.Models;

namespace SignalRLite.Tests.AotMessagePack;

/// <summary>
/// The formatters generated for Native AOT (AotModels.g.cs, the generator's output for AotModels.cs, kept current by
/// the snapshot test in SignalRLite.Analyzers.Tests) against MessagePack-CSharp's dynamic resolvers, side by side in
/// this JIT process: the protocol's default options here (dynamic code is supported) and
/// <see cref="MessagePackAot.SerializerOptions"/> (what a native binary uses) must write the same bytes and read each
/// other's bytes back to the same values.
/// </summary>
public class GeneratedFormatterParityTests
{
    private static readonly MessagePackSerializerOptions Jit = new MessagePackHubProtocolOptions().SerializerOptions;
    private static readonly MessagePackSerializerOptions Aot = MessagePackAot.SerializerOptions;

    public static TheoryData<string> Names => AotSamples.Names;

    [Fact]
    public void TheTestProcessUsesTheDynamicResolversByDefaultAndTheAotOptionsUseTheGeneratedFormatters()
    {
        Assert.True(System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported);
        Assert.NotSame(Aot, Jit);
        foreach (var formatter in new object?[] { Aot.Resolver.GetFormatter<Shape>(), Aot.Resolver.GetFormatter<PlainMessage>(), Aot.Resolver.GetFormatter<Mood>() })
        {
            Assert.Equal("SignalRLite.Generated.MessagePack", formatter?.GetType().Namespace);
        }

        Assert.DoesNotContain("Generated", Jit.Resolver.GetFormatter<Shape>()!.GetType().FullName!, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void GeneratedFormattersWriteTheBytesOfTheDynamicOnes(string name)
    {
        var (value, type) = AotSamples.Values[name];
        var expected = Serialize(value, type, Jit);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(Serialize(value, type, Aot)));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void EachSideReadsTheOthersBytesBackToTheSameValue(string name)
    {
        var (value, type) = AotSamples.Values[name];
        var bytes = Serialize(value, type, Jit);

        // Read with one side, write again with the other: equal bytes mean equal values (every member is written).
        var readByAot = Deserialize(bytes, type, Aot);
        Assert.Equal(Convert.ToHexString(bytes), Convert.ToHexString(Serialize(readByAot, type, Jit)));
        var readByJit = Deserialize(bytes, type, Jit);
        Assert.Equal(Convert.ToHexString(bytes), Convert.ToHexString(Serialize(readByJit, type, Aot)));
    }

    [Theory]
    [InlineData("Calm", Mood.Calm)]
    [InlineData("Serene", Mood.Calm)]
    [InlineData("so-so", Mood.Meh)]
    [InlineData("Meh", Mood.Meh)]
    [InlineData("2", Mood.Angry)]
    public void GeneratedEnumFormatterReadsNamesEnumMemberValuesAndNumbersAsTheJitDefaults(string text, Mood expected)
    {
        var bytes = MessagePackSerializer.Serialize(text);
        Assert.Equal(expected, MessagePackSerializer.Deserialize<Mood>(bytes, Jit));
        Assert.Equal(expected, MessagePackSerializer.Deserialize<Mood>(bytes, Aot));
        var number = MessagePackSerializer.Serialize((int)expected);
        Assert.Equal(expected, MessagePackSerializer.Deserialize<Mood>(number, Aot));
    }

    [Fact]
    public void GeneratedFormattersSkipUnknownKeysAndExtraElementsAndKeepMissingMembersAsConstructed()
    {
        // [Key(int)]: a longer array (extra element skipped); [Key(string)]: an unknown key skipped, a missing one left alone.
        var point = MessagePackSerializer.Deserialize<Point>(MessagePackSerializer.Serialize(new object[] { 5, 6, "extra" }), Aot);
        Assert.Equal((5, 6), (point.X, point.Y));
        var labelled = MessagePackSerializer.Deserialize<Labelled>(
            MessagePackSerializer.Serialize(new Dictionary<string, object> { ["unknown"] = new[] { 1, 2 }, ["name"] = "n" }), Aot);
        Assert.Equal(("n", 0.0, null), (labelled.Name, labelled.Size, labelled.Children));
    }

    [Fact]
    public void GeneratedFormattersApplyTheDepthLimitOfUntrustedData()
    {
        // 600 nested Labelled maps: deeper than MessagePackSecurity.UntrustedData's limit (500).
        var nested = new Labelled();
        for (var i = 0; i < 600; i++)
        {
            nested = new Labelled { Children = [nested] };
        }

        var bytes = MessagePackSerializer.Serialize(nested, MessagePackSerializerOptions.Standard.WithResolver(Aot.Resolver));
        var error = Assert.Throws<MessagePackSerializationException>(() => MessagePackSerializer.Deserialize<Labelled>(bytes, Aot));
        Assert.Contains("depth", error.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    private static byte[] Serialize(object? value, Type type, MessagePackSerializerOptions options)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        MessagePackSerializer.Serialize(type, ref writer, value, options);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static object? Deserialize(byte[] bytes, Type type, MessagePackSerializerOptions options)
        => MessagePackSerializer.Deserialize(type, bytes, options);
}
