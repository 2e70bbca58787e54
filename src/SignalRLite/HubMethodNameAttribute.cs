namespace SignalRLite;

/// <summary>Gives a hub method the name clients call it by.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public class HubMethodNameAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    public HubMethodNameAttribute(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
    }

    /// <summary>The method name on the wire.</summary>
    public string Name { get; }
}
