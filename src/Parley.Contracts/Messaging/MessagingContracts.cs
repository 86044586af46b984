namespace Parley.Contracts.Messaging;

// Wire contracts of the messaging REST API (docs/messaging-api.md). Binary members are base64url
// strings without padding; the server validates every one (lengths, key types, signatures).

/// <summary>A prekey that carries the identity key's XEdDSA signature over its serialized public key.</summary>
public sealed record SignedPreKey(uint Id, string PublicKey, string Signature);

/// <summary>A one-time Curve25519 prekey (no signature).</summary>
public sealed record OneTimePreKey(uint Id, string PublicKey);

/// <summary><c>POST /api/accounts</c>.</summary>
public sealed record RegisterRequest(
    string Username,
    string IdentityKey,
    uint RegistrationId,
    string Proof,
    SignedPreKey SignedPreKey,
    SignedPreKey KyberLastResortPreKey,
    IReadOnlyList<OneTimePreKey>? PreKeys,
    IReadOnlyList<SignedPreKey>? KyberPreKeys,
    string? InviteCode);

public sealed record AccountResponse(string Username, string IdentityKey, uint RegistrationId);

/// <summary><c>POST /api/auth/challenge</c>.</summary>
public sealed record ChallengeRequest(string Username);

/// <summary>The nonce to sign; <see cref="ServerName"/> is the name the server expects in the signed message.</summary>
public sealed record ChallengeResponse(string Nonce, string ServerName, DateTimeOffset ExpiresAt);

/// <summary><c>POST /api/auth/login</c>: the nonce back, with the identity key's signature over <see cref="LoginMessage"/>.</summary>
public sealed record LoginRequest(string Username, string Nonce, string Signature);

public sealed record LoginResponse(string Token, DateTimeOffset ExpiresAt);

/// <summary><c>PUT /api/keys</c>: any of the parts; a new signed or last-resort prekey replaces the old one.</summary>
public sealed record UploadPreKeysRequest(
    SignedPreKey? SignedPreKey,
    SignedPreKey? KyberLastResortPreKey,
    IReadOnlyList<OneTimePreKey>? PreKeys,
    IReadOnlyList<SignedPreKey>? KyberPreKeys);

/// <summary><c>GET /api/keys</c>: one-time prekeys left.</summary>
public sealed record PreKeyCountResponse(int PreKeys, int KyberPreKeys);

/// <summary>
/// <c>GET /api/keys/{username}</c>: what a sender needs to start a session (libsignal's PreKeyBundle).
/// <see cref="KyberPreKeyIsLastResort"/> tells that no one-time Kyber prekey was left.
/// </summary>
public sealed record PreKeyBundleResponse(
    string Username,
    string IdentityKey,
    uint RegistrationId,
    uint DeviceId,
    OneTimePreKey? PreKey,
    SignedPreKey SignedPreKey,
    SignedPreKey KyberPreKey,
    bool KyberPreKeyIsLastResort);

/// <summary><c>POST /api/messages</c>: one envelope to one user.</summary>
public sealed record SendMessageRequest(string To, int Type, string Content);

public sealed record SendMessageResponse(long Id, DateTimeOffset ServerTimestamp);

/// <summary>One queued envelope as REST shows it (<c>GET /api/messages</c>).</summary>
public sealed record EnvelopeResponse(long Id, string Sender, int Type, string? GroupId, DateTimeOffset ServerTimestamp, string Content);

public sealed record QueueResponse(IReadOnlyList<EnvelopeResponse> Envelopes, bool More);

/// <summary><c>POST /api/messages/ack</c>.</summary>
public sealed record AckRequest(IReadOnlyList<long> Ids);

public sealed record AckResponse(int Deleted);

/// <summary><c>GET /api/messages/{id}</c> for the sender: whether the envelope still waits in the recipient's queue.</summary>
public sealed record MessageStatusResponse(long Id, string State);

/// <summary><c>POST /api/messages/status</c>: which of these envelopes of mine still wait in a recipient's queue.</summary>
public sealed record QueuedQueryRequest(IReadOnlyList<long> Ids);

/// <summary>
/// The ids of the request that are envelopes I sent and still queued, ascending; every other id (acknowledged,
/// expired, someone else's, unknown) is absent.
/// </summary>
public sealed record QueuedQueryResponse(IReadOnlyList<long> Queued);

/// <summary><c>POST /api/groups</c>.</summary>
public sealed record CreateGroupRequest(string Name, IReadOnlyList<string> Members);

/// <summary>A member (<see cref="MessagingValues.RoleAdmin"/>, <see cref="MessagingValues.RoleMember"/>) or an invitee (<see cref="MessagingValues.RoleInvited"/>).</summary>
public sealed record GroupMember(string Username, string Role);

public sealed record GroupResponse(string Id, string Name, IReadOnlyList<GroupMember> Members);

public sealed record GroupListResponse(IReadOnlyList<GroupResponse> Groups);

/// <summary><c>POST /api/groups/{id}/members</c>.</summary>
public sealed record AddMembersRequest(IReadOnlyList<string> Usernames);

/// <summary><c>POST /api/groups/{id}/messages</c>: one ciphertext for every other member.</summary>
public sealed record SendGroupMessageRequest(int Type, string Content);

/// <summary>
/// <see cref="Ids"/>[i] is the envelope queued for <see cref="RecipientNames"/>[i] (recipients in ordinal order);
/// <see cref="Recipients"/> is how many there are.
/// </summary>
public sealed record SendGroupMessageResponse(DateTimeOffset ServerTimestamp, int Recipients, IReadOnlyList<string> RecipientNames, IReadOnlyList<long> Ids);

/// <summary><c>GET /api/presence</c>.</summary>
public sealed record PresenceResponse(IReadOnlyList<string> Online);

/// <summary><c>GET /api/presence/allowed</c>: the users who may see my presence.</summary>
public sealed record PresenceAllowedResponse(IReadOnlyList<string> Usernames);

/// <summary><c>GET /api/messaging/config</c>: the operator's limits, so clients can stay inside them.</summary>
public sealed record MessagingConfigResponse(
    string RegistrationMode,
    string PresenceVisibility,
    int MaxEnvelopeBytes,
    int MaxQueuedEnvelopes,
    int EnvelopeTtlSeconds,
    int MaxPreKeysPerUpload,
    int MaxStoredPreKeys,
    int MaxGroupMembers,
    int TokenLifetimeSeconds);

/// <summary>Names shared by both sides.</summary>
public static class MessagingValues
{
    public const string RoleAdmin = "admin";
    public const string RoleMember = "member";
    public const string RoleInvited = "invited";
    public const string StateQueued = "queued";
    public const string StateGone = "gone";
    public const string HubPath = "/api/hub";
}
