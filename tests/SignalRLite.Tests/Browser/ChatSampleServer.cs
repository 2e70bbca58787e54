namespace SignalRLite.Tests.Browser;

/// <summary>
/// Runs the built Chat sample (samples/Chat) as a real process on a free loopback port,
/// exactly as a user would: <c>dotnet Chat.dll --urls ...</c>.
/// </summary>
public sealed class ChatSampleServer() : SampleServer("Chat");
