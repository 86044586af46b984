namespace Parley.Client.Messenger;

/// <summary>Someone started or stopped typing in a conversation (nothing is stored; it fades by itself if "stopped" never comes).</summary>
public sealed record TypingChanged(string Conversation, string User, bool Typing) : MessengerEvent;

/// <summary>A recipient read an outgoing message: <paramref name="ReadBy"/> is everyone who has so far.</summary>
public sealed record MessageRead(string Conversation, string Uid, IReadOnlyList<string> ReadBy) : MessengerEvent;
