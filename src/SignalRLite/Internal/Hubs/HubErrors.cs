using System.Text.Json;

namespace SignalRLite.Internal.Hubs;

/// <summary>
/// Error texts sent to clients, matching the official server's wording (observed black-box). Exception details are
/// appended as <c>" {Type}: {Message}"</c> when detailed errors are on, and always for a <see cref="HubException"/>.
/// </summary>
internal static class HubErrors
{
    public const string MethodDoesNotExist = "Method does not exist.";
    public const string ConnectionClosedWithError = "Connection closed with an error.";
    public const string HandshakeFailed = "An unexpected error occurred during connection handshake.";

    /// <summary>
    /// The handshake error for a request that failed to parse: with detailed errors the cause is appended as
    /// "Type: message", as on the official server. A parser failure of the JSON reader (syntax, or a version out of
    /// Int32 range) is carried as the inner exception and shown as itself.
    /// </summary>
    public static string HandshakeFailedText(InvalidDataException ex, bool detailed)
    {
        if (!detailed)
        {
            return HandshakeFailed;
        }

        Exception shown = ex.InnerException is JsonException or FormatException ? ex.InnerException : ex;
        return $"{HandshakeFailed} {shown.GetType().Name}: {shown.Message}";
    }
    public const string HandshakeCanceled = "Handshake was canceled.";

    public static string InvocationFailed(string target, Exception ex, bool detailed) =>
        WithDetails($"An unexpected error occurred invoking '{target}' on the server.", ex, detailed);

    public static string BindingFailed(string target, Exception ex, bool detailed) =>
        WithDetails($"Failed to invoke '{target}' due to an error on the server.", ex, detailed);

    public static string Unauthorized(string target) => $"Failed to invoke '{target}' because user is unauthorized";

    /// <summary>The message of the <see cref="HubException"/> an upload stream ends with when one of its items fails to bind.</summary>
    public static string StreamBindingFailed(Exception ex, bool detailed) =>
        detailed ? $"Failed to bind Stream message. {ex.GetType().Name}: {ex.Message}" : "Failed to bind Stream message.";

    public static string StreamFailed(Exception ex, bool detailed) =>
        WithDetails("An error occurred on the server while streaming results.", ex, detailed);

    public static string ConnectionClosed(Exception? ex, bool detailed) =>
        ex is null ? ConnectionClosedWithError : WithDetails(ConnectionClosedWithError, ex, detailed);

    public static string StreamingMethodCalledWithInvocation(string target) =>
        $"The client attempted to invoke the streaming '{target}' method with a non-streaming invocation.";

    public static string NonStreamingMethodCalledWithStreamInvocation(string target) =>
        $"The client attempted to invoke the non-streaming '{target}' method with a streaming invocation.";

    public static string ProtocolNotSupported(string protocol) => $"The protocol '{protocol}' is not supported.";

    public static string VersionNotSupported(string protocol, int version) =>
        $"The server does not support version {version} of the '{protocol}' protocol.";

    public static string TransferFormatNotSupported(string protocol) =>
        $"Cannot use the '{protocol}' protocol on the current transport. The transport does not support the 'Binary' transfer format.";

    public static string MessageTooLarge(long maximum) =>
        $"The maximum message size of {maximum}B was exceeded. The message size can be configured in AddHubOptions.";

    private static string WithDetails(string text, Exception ex, bool detailed) =>
        detailed || ex is HubException ? $"{text} {ex.GetType().Name}: {ex.Message}" : text;
}
