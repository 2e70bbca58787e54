namespace TestServer;

public enum Color
{
    Red = 0,
    Green = 1,
    Blue = 2,
}

public sealed class Address
{
    public string? City { get; set; }
    public string? Zip { get; set; }
}

public sealed class Person
{
    public string? Name { get; set; }
    public int Age { get; set; }
    public double Score { get; set; }
    public bool Active { get; set; }
    public int? Rank { get; set; }
    public Color Favorite { get; set; }
    public List<string>? Tags { get; set; }
    public Address? Address { get; set; }
}

/// <summary>Body of POST /broadcast and POST /broadcast-typed.</summary>
public sealed record BroadcastRequest(string Target, string? Name, string[]? Names, string Message);

/// <summary>Body of POST /groups/add and POST /groups/remove.</summary>
public sealed record GroupRequest(string ConnectionId, string Group);

public sealed record ClientResultRequest(string ConnectionId, string Question, int TimeoutMs);
