using Parley.Client.Profiles;

namespace Parley.Client.Messenger;

/// <summary>Something the user should learn of, in the order it happened.</summary>
public abstract record MessengerEvent;

/// <summary>A message (or a notice such as a group change) was stored in a conversation.</summary>
public sealed record MessageReceived(StoredMessage Message) : MessengerEvent;

/// <summary>A contact's identity key changed: sending to them is blocked until the user accepts it.</summary>
public sealed record IdentityChanged(string User) : MessengerEvent;

/// <summary>An outgoing message changed state (sent, delivered to one more recipient, delivered).</summary>
public sealed record DeliveryChanged(string Conversation, string Uid, DeliveryState State, IReadOnlyList<string> DeliveredTo) : MessengerEvent;

/// <summary>An envelope was dropped without effect (undecryptable, replayed, from a non-member, malformed).</summary>
public sealed record EnvelopeDropped(long EnvelopeId, string Sender, string Reason) : MessengerEvent;

/// <summary>Someone came online or went offline.</summary>
public sealed record PresenceChanged(string User, bool Online) : MessengerEvent;

/// <summary>The live connection (hub) came up, or went down and is being retried.</summary>
public sealed record ConnectionChanged(bool Connected, string? Problem) : MessengerEvent;

/// <summary>
/// A group's name became known or changed without a notice in its history: the invitation's name
/// arrived (end to end, after the server's invitation event). Lists that show group names read them again.
/// </summary>
public sealed record GroupNamed(string Conversation, string Name) : MessengerEvent;
