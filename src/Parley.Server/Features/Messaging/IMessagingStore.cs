namespace Parley.Server.Features.Messaging;

/// <summary>
/// Where messaging state lives: accounts and their public keys, login challenges and token hashes,
/// envelope queues, contacts and groups. Three implementations (SQLite, PostgreSQL, RAM) pass one
/// contract suite. Every change that races (consuming a prekey or a nonce, enqueueing against the
/// queue cap, acknowledging) is one atomic step of the provider. Stores hold public keys, hashes and
/// opaque ciphertext only.
/// </summary>
internal interface IMessagingStore
{
    // --- accounts
    ValueTask<RegisterStatus> RegisterAsync(NewAccount account, CancellationToken cancellationToken);

    ValueTask<AccountRecord?> FindAccountAsync(string username, CancellationToken cancellationToken);

    /// <summary>Deletes the account with its keys, tokens, challenges, presence grants (both ways), memberships, invitations and queue.</summary>
    ValueTask<bool> DeleteAccountAsync(string username, CancellationToken cancellationToken);

    // --- login
    /// <summary>
    /// Stores a login challenge and keeps only the account's <see cref="MessagingStoreLimits.PendingChallenges"/>
    /// newest ones (this one always among them): a flood of challenges for one account cannot grow the table.
    /// </summary>
    ValueTask StoreChallengeAsync(string username, byte[] nonceHash, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>Removes the challenge (single use) and returns its expiry; null when there was none.</summary>
    ValueTask<DateTimeOffset?> TakeChallengeAsync(string username, byte[] nonceHash, CancellationToken cancellationToken);

    ValueTask StoreTokenAsync(byte[] tokenHash, string username, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>The token's account, if the token exists and has not expired at <paramref name="now"/>.</summary>
    ValueTask<TokenRecord?> FindTokenAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken);

    ValueTask<bool> DeleteTokenAsync(byte[] tokenHash, CancellationToken cancellationToken);

    // --- prekeys
    ValueTask<UploadStatus> AddPreKeysAsync(string username, PreKeyUpload upload, int maxStored, CancellationToken cancellationToken);

    /// <summary>
    /// The bundle, consuming in one step the oldest one-time EC prekey and the oldest one-time Kyber
    /// prekey (the last-resort Kyber key stands in when none is left). Null when the account is unknown.
    /// </summary>
    ValueTask<BundleRecord?> TakeBundleAsync(string username, CancellationToken cancellationToken);

    ValueTask<PreKeyCounts> CountPreKeysAsync(string username, CancellationToken cancellationToken);

    // --- envelopes
    /// <summary>Queues one envelope unless the recipient is unknown or their queue holds <paramref name="maxQueued"/>.</summary>
    ValueTask<EnqueueResult> EnqueueAsync(NewEnvelope envelope, int maxQueued, CancellationToken cancellationToken);

    /// <summary>
    /// Queues several envelopes, in order, each as <see cref="EnqueueAsync"/> would (one refused envelope does
    /// not stop the others); results in the same order. Providers may do it in one write.
    /// </summary>
    async ValueTask<IReadOnlyList<EnqueueResult>> EnqueueManyAsync(IReadOnlyList<NewEnvelope> envelopes, int maxQueued,
        CancellationToken cancellationToken)
    {
        var results = new EnqueueResult[envelopes.Count];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = await EnqueueAsync(envelopes[i], maxQueued, cancellationToken);
        }

        return results;
    }

    /// <summary>Up to <paramref name="max"/> unexpired envelopes of <paramref name="recipient"/> with ids above <paramref name="afterId"/>, in queue order.</summary>
    ValueTask<IReadOnlyList<StoredEnvelope>> ReadQueueAsync(string recipient, long afterId, int max, DateTimeOffset now,
        CancellationToken cancellationToken);

    /// <summary>Deletes the recipient's envelopes with these ids; returns those deleted (a repeated ack deletes nothing).</summary>
    ValueTask<IReadOnlyList<AckedEnvelope>> AckAsync(string recipient, IReadOnlyList<long> ids, CancellationToken cancellationToken);

    /// <summary>
    /// Those of <paramref name="ids"/> that <paramref name="sender"/> sent and that still wait, unexpired at
    /// <paramref name="now"/>, in their recipient's queue: each once, ascending.
    /// </summary>
    ValueTask<IReadOnlyList<long>> QueuedOfAsync(string sender, IReadOnlyList<long> ids, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Envelopes held, all queues (tests and operators).</summary>
    ValueTask<long> CountEnvelopesAsync(CancellationToken cancellationToken);

    // --- presence consent: whether a subject lets a viewer see its online state (both accounts must exist)
    /// <summary>
    /// Records <paramref name="grant"/> for the pair; true when it changed whether <paramref name="viewer"/> may
    /// see <paramref name="subject"/>. <see cref="PresenceGrant.Sent"/> allows only a pair with no record yet, so a
    /// withdrawal outlasts later envelopes.
    /// </summary>
    ValueTask<bool> SetPresenceGrantAsync(string subject, string viewer, PresenceGrant grant, CancellationToken cancellationToken);

    /// <summary>The viewers <paramref name="subject"/> lets see its presence.</summary>
    ValueTask<IReadOnlyList<string>> PresenceViewersAsync(string subject, CancellationToken cancellationToken);

    /// <summary>The subjects that let <paramref name="viewer"/> see their presence.</summary>
    ValueTask<IReadOnlyList<string>> PresenceSubjectsAsync(string viewer, CancellationToken cancellationToken);

    // --- groups: every change runs in one transaction of the provider
    ValueTask<T> InGroupTransactionAsync<T>(Func<IGroupTransaction, ValueTask<T>> work, CancellationToken cancellationToken);

    /// <summary>The groups <paramref name="username"/> is a member of or invited to, oldest first.</summary>
    ValueTask<IReadOnlyList<GroupRecord>> GroupsOfAsync(string username, CancellationToken cancellationToken);

    // --- housekeeping
    ValueTask<MessagingSweep> SweepAsync(DateTimeOffset now, CancellationToken cancellationToken);

    ValueTask<bool> PingAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The primitives of one group transaction. The group row is locked by <see cref="LockGroupAsync"/>
/// (changes of one group run one after another); everything commits together or not at all.
/// </summary>
internal interface IGroupTransaction
{
    ValueTask<GroupRecord?> LockGroupAsync(byte[] groupId);

    ValueTask<bool> AccountExistsAsync(string username);

    ValueTask CreateGroupAsync(byte[] groupId, string name, DateTimeOffset now);

    /// <summary>Adds the user with this role, or gives an existing row this role; either way its time becomes <paramref name="now"/>.</summary>
    ValueTask AddMemberAsync(byte[] groupId, string username, GroupRole role, DateTimeOffset now);

    /// <summary>Removes a member or an invitee.</summary>
    ValueTask RemoveMemberAsync(byte[] groupId, string username);

    ValueTask SetAdminAsync(byte[] groupId, string username, bool admin);

    ValueTask DeleteGroupAsync(byte[] groupId);

    /// <summary>Queues an envelope; <paramref name="maxQueued"/> null ignores the cap (server events).</summary>
    ValueTask<EnqueueResult> EnqueueAsync(NewEnvelope envelope, int? maxQueued);
}

internal enum RegisterStatus
{
    Registered,
    UsernameTaken,
    InviteUsed,
}

internal enum UploadStatus
{
    Stored,
    UnknownAccount,
    Conflict,
    TooMany,
}

internal enum EnqueueStatus
{
    Queued,
    UnknownRecipient,
    QueueFull,
}

/// <summary>A stored public prekey: id, serialized public key and (signed kinds) the identity key's signature.</summary>
internal sealed record StoredPreKey(uint Id, byte[] PublicKey, byte[]? Signature);

internal sealed record NewAccount(
    string Username,
    byte[] IdentityKey,
    uint RegistrationId,
    StoredPreKey SignedPreKey,
    StoredPreKey KyberLastResort,
    IReadOnlyList<StoredPreKey> PreKeys,
    IReadOnlyList<StoredPreKey> KyberPreKeys,
    DateTimeOffset CreatedAt,
    byte[]? InviteHash);

internal sealed record AccountRecord(string Username, byte[] IdentityKey, uint RegistrationId, DateTimeOffset CreatedAt);

internal sealed record PreKeyUpload(
    StoredPreKey? SignedPreKey,
    StoredPreKey? KyberLastResort,
    IReadOnlyList<StoredPreKey> PreKeys,
    IReadOnlyList<StoredPreKey> KyberPreKeys);

internal sealed record BundleRecord(AccountRecord Account, StoredPreKey? PreKey, StoredPreKey SignedPreKey, StoredPreKey KyberPreKey, bool KyberIsLastResort);

internal readonly record struct PreKeyCounts(int PreKeys, int KyberPreKeys);

internal sealed record TokenRecord(string Username, DateTimeOffset ExpiresAt);

internal sealed record NewEnvelope(string Recipient, string Sender, int Type, byte[]? GroupId, DateTimeOffset Now, DateTimeOffset ExpiresAt, byte[] Content);

internal readonly record struct EnqueueResult(EnqueueStatus Status, long Id);

internal sealed record StoredEnvelope(long Id, string Recipient, string Sender, int Type, byte[]? GroupId, DateTimeOffset ServerTimestamp, byte[] Content);

internal readonly record struct AckedEnvelope(long Id, string Sender);

/// <summary>How a subject's presence became visible to a viewer, or stopped being.</summary>
internal enum PresenceGrant
{
    /// <summary>The subject sent the viewer an envelope: allowed, unless the pair already has a record.</summary>
    Sent,

    /// <summary>The subject allowed the viewer explicitly.</summary>
    Allowed,

    /// <summary>The subject withdrew the viewer's view.</summary>
    Withdrawn,
}

/// <summary>A row of a group: an invitee, or a member with its role.</summary>
internal enum GroupRole
{
    Invited,
    Member,
    Admin,
}

/// <summary>A group's member or invitee; <see cref="Since"/> is when it joined (or was invited).</summary>
internal sealed record GroupMemberRecord(string Username, GroupRole Role, DateTimeOffset Since)
{
    public bool Admin => Role == GroupRole.Admin;
}

/// <summary>A group: <see cref="Members"/> (longest-standing first) and, apart, its pending <see cref="Invitees"/>.</summary>
internal sealed record GroupRecord(byte[] Id, string Name, DateTimeOffset CreatedAt, IReadOnlyList<GroupMemberRecord> Members,
    IReadOnlyList<GroupMemberRecord> Invitees)
{
    /// <summary>Members and invitees together, as they count against the group's size limit.</summary>
    public int Size => Members.Count + Invitees.Count;

    /// <summary>Splits a store's rows (ordered by time, then username) into members and invitees.</summary>
    public static GroupRecord Of(byte[] id, string name, DateTimeOffset createdAt, IEnumerable<GroupMemberRecord> rows)
    {
        var all = rows.ToList();
        return new GroupRecord(id, name, createdAt, [.. all.Where(r => r.Role != GroupRole.Invited)], [.. all.Where(r => r.Role == GroupRole.Invited)]);
    }

    public GroupMemberRecord? Member(string username) => Members.FirstOrDefault(m => m.Username == username);

    public bool IsInvited(string username) => Invitees.Any(m => m.Username == username);

    public IEnumerable<string> MemberNames => Members.Select(m => m.Username);
}

internal sealed record MessagingSweep(int Envelopes, int Challenges, int Tokens)
{
    public int Total => Envelopes + Challenges + Tokens;
}
