namespace SignalRLite;

/// <summary>
/// Base class of a hub. A new instance is created for every invocation and lifetime callback;
/// keep per-connection state in <see cref="HubCallerContext.Items"/>, not in fields.
/// </summary>
public abstract class Hub : IDisposable
{
    private bool _disposed;
    private IHubCallerClients? _clients;
    private HubCallerContext? _context;
    private IGroupManager? _groups;

    /// <summary>The hub's connections, relative to the caller.</summary>
    /// <remarks>
    /// Unless set, taken on first read from the connection of <see cref="Context"/>, which creates its caller clients
    /// then (once per connection): an idle connection whose hub never read <c>Clients</c> holds none. A hub instance
    /// runs one call at a time, so the plain assignment is enough here; the connection publishes its object safely.
    /// </remarks>
    public IHubCallerClients Clients
    {
        get { CheckDisposed(); return _clients ??= (_context as Internal.Hubs.DefaultHubCallerContext)?.Connection.CallerClients!; }
        set { CheckDisposed(); _clients = value; }
    }

    /// <summary>The calling connection.</summary>
    public HubCallerContext Context
    {
        get { CheckDisposed(); return _context!; }
        set { CheckDisposed(); _context = value; }
    }

    /// <summary>The hub's groups.</summary>
    public IGroupManager Groups
    {
        get { CheckDisposed(); return _groups!; }
        set { CheckDisposed(); _groups = value; }
    }

    /// <summary>Called when a connection has completed its handshake.</summary>
    public virtual Task OnConnectedAsync() => Task.CompletedTask;

    /// <summary>Called once when a connection ends; <paramref name="exception"/> is null for a graceful close.</summary>
    public virtual Task OnDisconnectedAsync(Exception? exception) => Task.CompletedTask;

    /// <summary>
    /// Called after an authentication refresh (<c>EnableAuthenticationRefresh</c>, .NET 11 API) replaced the
    /// connection's user; <c>Context.User</c> is the new one. Runs like an invocation, within the connection's
    /// <c>MaximumParallelInvocationsPerClient</c>. <c>Context.UserIdentifier</c> and user routing do not change.
    /// </summary>
    public virtual Task OnAuthenticationRefreshedAsync() => Task.CompletedTask;

    /// <summary>Releases resources held by the hub instance.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        Dispose(true);
        _disposed = true;
    }

    private void CheckDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
