using System.Text.Json.Serialization;

namespace Parley.Client.Profiles;

/// <summary>Which way a message went.</summary>
public enum MessageDirection
{
    Incoming,
    Outgoing,
}

/// <summary>Where an outgoing message is on its way.</summary>
public enum DeliveryState
{
    /// <summary>Encrypted and stored, not yet accepted by the server (it goes out with the next send).</summary>
    Pending,

    /// <summary>Queued by the server for every recipient.</summary>
    Sent,

    /// <summary>Every recipient's device acknowledged it.</summary>
    Delivered,

    /// <summary>The server refused it (e.g. the recipient no longer exists); it will not be retried.</summary>
    Failed,

    /// <summary>An incoming message (no delivery state of its own).</summary>
    Received,
}

/// <summary>
/// One line of history: a message (or a notice such as "bob's safety number changed") in a
/// conversation. <see cref="Uid"/> is the sender's message id, so the same message is never stored twice.
/// </summary>
public sealed record StoredMessage(
    string Uid,
    string Conversation,
    MessageDirection Direction,
    string Author,
    string Kind,
    string Text,
    DateTimeOffset SentAt,
    DateTimeOffset ReceivedAt,
    DeliveryState State,
    IReadOnlyList<string> Recipients,
    IReadOnlyList<string> DeliveredTo)
{
    public const string KindText = "text";
    public const string KindNotice = "notice";

    /// <summary>A file: <see cref="Text"/> is its name, <see cref="File"/> the rest.</summary>
    public const string KindAttachment = "attachment";

    /// <summary>The file of an attachment message; null for other kinds.</summary>
    public AttachmentInfo? File { get; init; }

    /// <summary>When a disappearing message is deleted from the profile (docs/messenger.md, "Disappearing messages"); null when it stays.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The row id in the profile (set when read back; 0 before it is stored).</summary>
    [JsonIgnore]
    public long RowId { get; init; }

    /// <summary>An outgoing message: the recipients whose read receipt arrived (they saw it on their screen).</summary>
    public IReadOnlyList<string> ReadBy { get; init; } = [];

    public override string ToString() => $"StoredMessage({Conversation}, {Direction}, {State})";
}
