namespace Parley.Client.Profiles;

/// <summary>
/// What a row of the profile's <c>items</c> table holds. The kind is stored in clear (so the profile
/// can list its contacts or groups); names and values are not.
/// </summary>
public enum ItemKind
{
    Account = 1,
    Identity = 2,
    Token = 3,
    PreKey = 10,
    SignedPreKey = 11,
    KyberPreKey = 12,
    Session = 20,
    SenderKey = 21,
    Contact = 30,
    Group = 31,
    Conversation = 32,

    /// <summary>A received attachment not saved yet: its blob, key, fetch token and digest (<see cref="PendingAttachment"/>).</summary>
    Attachment = 33,

    /// <summary>A conversation's disappearing-message timer (<see cref="ConversationTimer"/>).</summary>
    Timer = 34,

    /// <summary>When a disappearing message is due for deletion (<see cref="ExpiringMessage"/>), named by the message's uid.</summary>
    Expiry = 35,

    /// <summary>The user's messenger settings (typing notifications, read receipts).</summary>
    Settings = 50,

    /// <summary>Not a row of <c>items</c>: the domain of the HMACs that name messages and conversations in <c>messages</c>.</summary>
    Message = 40,
}
