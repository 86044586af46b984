namespace Parley.Client.Profiles;

/// <summary>
/// The file of an attachment message as the history shows it. <see cref="SavedAs"/> and
/// <see cref="SavedWrite"/> (the file's last-write time then) tell where parley saved it, so that a
/// disappearing message can take the file with it only while it is still the file parley wrote.
/// </summary>
public sealed record AttachmentInfo(string Name, long Size, string? SavedAs, DateTimeOffset? SavedWrite);

/// <summary>
/// A received attachment that has not been saved (or discarded) yet: what fetching, checking and opening
/// it takes. The key and the fetch token are secrets: this item is deleted as soon as the file is saved,
/// discarded, or its message disappears.
/// </summary>
public sealed record PendingAttachment(
    string Uid,
    string Conversation,
    string Sender,
    string Blob,
    string Key,
    string Token,
    string Sha256,
    long Size,
    string Name,
    DateTimeOffset Until,
    DateTimeOffset ReceivedAt)
{
    public override string ToString() => $"PendingAttachment({Conversation}, {Size} bytes)";
}

/// <summary>A conversation's disappearing-message timer as both ends agreed on it (the last <c>timer</c> message, sent or received).</summary>
public sealed record ConversationTimer(string Conversation, long Seconds, string SetBy, DateTimeOffset SetAt);

/// <summary>A disappearing message and when it is deleted.</summary>
public sealed record ExpiringMessage(string Uid, string Conversation, DateTimeOffset At);
