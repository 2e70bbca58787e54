using SignalRLite.Tests.AotMessagePack.Models;

namespace SignalRLite.Tests.AotMessagePack;

/// <summary>Representative values of <see cref="Models"/>: nested, nullable (set and null), collections, string keys, enums.</summary>
internal static class AotSamples
{
    public static readonly DateTime When = new(2026, 12, 7, 18, 30, 0, DateTimeKind.Utc);

    public static Point Point() => new() { X = 3, Y = -4 };

    public static Shape Shape() => new()
    {
        Name = "tri",
        Points = [Point(), new Point { X = 1000, Y = 70000 }],
        Center = Point(),
        Mood = Mood.Serene,
        Weight = 12,
        Tags = new() { ["a"] = [1, 2, 300], ["empty"] = [] },
        When = When,
        Id = Guid.Parse("6f9619ff-8b86-d011-b42d-00cf4fc964ff"),
        Perms = Perms.Read | Perms.Write,
        MaybeMood = Mood.Meh,
        Ignored = "not written",
    };

    public static Labelled Labelled() => new()
    {
        Name = "root",
        Size = 1.5,
        Children = [new LabelledDerived { Name = "kid", Extra = true, More = long.MaxValue }, new Labelled()],
    };

    public static Envelope Envelope() => new("order", new Money { Amount = 12.345m, Currency = "EUR" }, [Shape(), new Shape()]);

    public static PlainMessage Plain() => new() { Text = "hi", Priority = 2, Mood = Mood.Angry, At = Point() };

    /// <summary>Name, value and the type the value is serialized as.</summary>
    public static TheoryData<string> Names => new(Values.Keys);

    public static readonly IReadOnlyDictionary<string, (object? Value, Type Type)> Values = new Dictionary<string, (object?, Type)>
    {
        ["point"] = (Point(), typeof(Point)),
        ["shape"] = (Shape(), typeof(Shape)),
        ["shape-empty"] = (new Shape(), typeof(Shape)),
        ["shape-null"] = (null, typeof(Shape)),
        ["labelled"] = (Labelled(), typeof(Labelled)),
        ["derived"] = (new LabelledDerived { Name = "d", Size = -0.25, Extra = false, More = -5 }, typeof(LabelledDerived)),
        ["named"] = (new Named("title") { Count = 4, Total = 99 }, typeof(Named)),
        ["money"] = (new Money { Amount = 1m, Currency = "USD" }, typeof(Money)),
        ["money-nullable"] = (new Money { Amount = -3m, Currency = "" }, typeof(Money?)),
        ["envelope"] = (Envelope(), typeof(Envelope)),
        ["envelope-nulls"] = (new Envelope("none", null, null), typeof(Envelope)),
        ["plain"] = (Plain(), typeof(PlainMessage)),
        ["plain-empty"] = (new PlainMessage(), typeof(PlainMessage)),
        ["mood"] = (Mood.Calm, typeof(Mood)),
        ["mood-duplicate-value"] = (Mood.Serene, typeof(Mood)),
        ["mood-enum-member"] = (Mood.Meh, typeof(Mood)),
        ["mood-undefined"] = ((Mood)42, typeof(Mood)),
        ["mood-nullable"] = (Mood.Angry, typeof(Mood?)),
        ["perms-combination"] = (Perms.Read | Perms.Write, typeof(Perms)),
        ["perms-none"] = (Perms.None, typeof(Perms)),
        ["dictionary-of-lists"] = (new Dictionary<string, List<Guid>> { ["k"] = [Guid.Empty, Guid.Parse("6f9619ff-8b86-d011-b42d-00cf4fc964ff")] }, typeof(Dictionary<string, List<Guid>>)),
        ["guid-array"] = (new[] { Guid.Empty }, typeof(Guid[])),
        ["int-list"] = (new List<int> { 1, -1, 128, int.MinValue }, typeof(List<int>)),
        ["date"] = (When, typeof(DateTime)),
        ["string"] = ("héllo", typeof(string)),
        ["list-of-shapes"] = (new List<Point> { Point() }, typeof(List<Point>)),
    };
}
