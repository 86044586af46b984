namespace Parley.Client.Messenger;

/// <summary>Disappearing messages whose time was up were deleted from the profile (screens drop these lines).</summary>
public sealed record MessagesExpired(string Conversation, IReadOnlyList<string> Uids) : MessengerEvent;
