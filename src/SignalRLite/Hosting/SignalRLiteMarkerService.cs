namespace SignalRLite.Hosting;

/// <summary>Registered by <c>AddSignalRLite()</c>; <c>MapHub</c> checks for it to give a clear error when it was not called.</summary>
internal sealed class SignalRLiteMarkerService
{
}
