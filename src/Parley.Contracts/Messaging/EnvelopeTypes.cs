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

/// <summary>The content of a <see cref="EnvelopeTypes.GroupEvent"/> envelope.</summary>
public sealed record GroupEvent(string GroupId, string Kind, string Actor, IReadOnlyList<string> Subjects, IReadOnlyList<GroupMember> Members)
{
    public const string Created = "created";
    public const string Added = "added";
    public const string Removed = "removed";
    public const string Left = "left";
    public const string Promoted = "promoted";
}
