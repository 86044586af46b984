namespace Parley.Contracts.Messaging;

/// <summary>
/// Envelope types. Clients choose 1..99 for their own ciphertexts (libsignal's ciphertext types:
/// Whisper 2, PreKey 3, SenderKey 7, Plaintext 8); the server makes the types from 100 up itself.
/// </summary>
public static class EnvelopeTypes
{
    public const int MinClient = 1;
    public const int MaxClient = 99;

    /// <summary>A group membership change made by the server; content is a UTF-8 JSON <see cref="GroupEvent"/>.</summary>
    public const int GroupEvent = 100;

    public static bool IsClientType(int type) => type is >= MinClient and <= MaxClient;
}

/// <summary>
/// The content of a <see cref="EnvelopeTypes.GroupEvent"/> envelope: <see cref="Actor"/> did <see cref="Kind"/> to
/// <see cref="Subjects"/>; <see cref="Members"/> are the group's members after the change (invitees are not members).
/// </summary>
public sealed record GroupEvent(string GroupId, string Kind, string Actor, IReadOnlyList<string> Subjects, IReadOnlyList<GroupMember> Members)
{
    /// <summary>The actor made the group; the subjects are invited.</summary>
    public const string Created = "created";

    /// <summary>An admin invited the subjects.</summary>
    public const string Invited = "invited";

    /// <summary>The subject accepted an invitation and is a member now.</summary>
    public const string Joined = "joined";

    /// <summary>The subject's invitation is gone: the subject declined it, or an admin revoked it.</summary>
    public const string Declined = "declined";

    /// <summary>An admin removed the subject.</summary>
    public const string Removed = "removed";

    /// <summary>The subject left (when no member is left, the group is gone).</summary>
    public const string Left = "left";

    /// <summary>The subject became an admin.</summary>
    public const string Promoted = "promoted";
}
