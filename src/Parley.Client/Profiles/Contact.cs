namespace Parley.Client.Profiles;

/// <summary>Whether a contact's current identity key may be used to send.</summary>
public enum ContactTrust
{
    /// <summary>First seen (trust on first use), or accepted by the user after a change.</summary>
    Accepted,

    /// <summary>The key changed and the user has not accepted it yet: sending is refused.</summary>
    Changed,
}

/// <summary>
/// Someone this profile knows: their username, the identity key last seen for them, and the user's
/// verdict on it. Immutable: a change stores a new record.
/// </summary>
public sealed record Contact(
    string Username,
    byte[] IdentityKey,
    DateTimeOffset FirstSeen,
    bool Verified,
    ContactTrust Trust,
    byte[]? PreviousIdentityKey,
    DateTimeOffset? ChangedAt,
    bool Added)
{
    /// <summary>This record after the contact's key changed to <paramref name="newKey"/>: sending blocked, no longer verified.</summary>
    public Contact WithChangedKey(byte[] newKey, DateTimeOffset at) =>
        this with { PreviousIdentityKey = IdentityKey, IdentityKey = newKey, Trust = ContactTrust.Changed, Verified = false, ChangedAt = at };

    /// <summary>When the contact last reset the session, until the user acknowledges it (the chat screen holds sending until then).</summary>
    public DateTimeOffset? SessionResetAt { get; init; }

    public override string ToString() => $"Contact({Username}, {Trust}{(Verified ? ", verified" : "")})";
}
