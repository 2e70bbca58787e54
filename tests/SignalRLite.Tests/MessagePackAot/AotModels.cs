using System.Runtime.Serialization;
using MessagePack;
using SignalRLite;

// The representative MessagePack types of the AOT tests. This file is also the input of the generator snapshot test
// (tests/SignalRLite.Analyzers.Tests/MessagePackGeneratorTests.cs) and AotModels.g.cs is the generator's output for it,
// compiled here so the tests run the generated formatters.
namespace SignalRLite.Tests.AotMessagePack.Models;

public enum Mood
{
    Calm = 1,
    Serene = 1,
    Angry = 2,
    [EnumMember(Value = "so-so")]
    Meh = 3,
}

[Flags]
public enum Perms : byte
{
    None = 0,
    Read = 1,
    Write = 2,
}

[MessagePackObject]
public class Point
{
    [Key(0)]
    public int X { get; set; }

    [Key(1)]
    public int Y { get; set; }
}

[MessagePackObject]
public class Shape
{
    [Key(0)]
    public string? Name { get; set; }

    [Key(2)]
    public List<Point>? Points { get; set; }

    [Key(3)]
    public Point? Center;

    [Key(4)]
    public Mood Mood { get; set; }

    [Key(5)]
    public int? Weight { get; set; }

    [Key(6)]
    public Dictionary<string, int[]>? Tags { get; set; }

    [Key(7)]
    public DateTime When { get; set; }

    [Key(8)]
    public Guid Id { get; set; }

    [Key(9)]
    public Perms Perms { get; set; }

    [Key(10)]
    public Mood? MaybeMood { get; set; }

    [IgnoreMember]
    public string? Ignored { get; set; }

    [Key(11)]
    private int Hidden { get; set; } = 7;
}

[MessagePackObject]
public class Labelled
{
    [Key("name")]
    public string? Name;

    [Key("size")]
    public double Size { get; set; }

    [Key("children")]
    public IReadOnlyList<Labelled>? Children { get; set; }
}

[MessagePackObject]
public class LabelledDerived : Labelled
{
    [Key("extra")]
    public bool Extra;

    [Key("more")]
    public long More { get; set; }
}

[MessagePackObject(keyAsPropertyName: true)]
public class Named
{
    public Named(string title)
    {
        Title = title;
    }

    public string Title { get; }

    public int Count { get; set; }

    public long Total;

    public int Computed => Count * 2;
}

[MessagePackObject]
public struct Money
{
    [Key(0)]
    public decimal Amount;

    [Key(1)]
    public string Currency { get; set; }
}

[MessagePackObject]
public record Envelope([property: Key(0)] string Kind, [property: Key(1)] Money? Price, [property: Key(2)] IList<Shape>? Shapes);

/// <summary>No attributes: the JIT defaults' contractless resolver writes it as a map of its property and field names.</summary>
public class PlainMessage
{
    public string? Text { get; set; }

    public int Priority;

    public Mood Mood { get; set; }

    public Point? At { get; set; }
}

public interface IAotClient
{
    Task Receive(Shape shape, PlainMessage message);

    Task<Point> GetPosition(Mood mood);
}

/// <summary>The hub of the end-to-end test: every shape the issue lists, over MessagePack with the AOT resolver.</summary>
public class AotShapesHub : Hub<IAotClient>
{
    public Shape EchoShape(Shape shape) => shape;

    public Envelope EchoEnvelope(Envelope envelope) => envelope;

    public Task<Labelled> EchoLabelled(Labelled labelled) => Task.FromResult(labelled);

    public Named EchoNamed(Named named) => named;

    public PlainMessage EchoPlain(PlainMessage message) => message;

    public Mood NextMood(Mood mood) => mood == Mood.Calm ? Mood.Angry : Mood.Meh;

    public Dictionary<string, List<Guid>> Group(Guid[] ids, string key) => new() { [key] = ids.ToList() };

    public DateTime AddDay(DateTime when) => when.AddDays(1);

    public int Sum(List<int> values) => values.Sum();

    public string Concat(string a, string? b) => a + b;

    public Task SendBack(Shape shape, PlainMessage message) => Clients.Caller.Receive(shape, message);

    /// <summary>Declared as an interface, written by its run-time type (List&lt;Point&gt;): the generator registers that too.</summary>
    public IEnumerable<Point> Corners(int size) => new List<Point> { new() { X = 0, Y = 0 }, new() { X = size, Y = size } };

    public async IAsyncEnumerable<Point> Walk(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await Task.Yield();
            yield return new Point { X = i, Y = -i };
        }
    }
}
