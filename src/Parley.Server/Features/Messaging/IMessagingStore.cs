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

    /// <summary>Deletes the account with its keys, tokens, challenges, contacts, memberships and queue.</summary>
    ValueTask<bool> DeleteAccountAsync(string username, CancellationToken cancellationToken);

    // --- login
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

    /// <summary>True when the envelope still waits in some queue and <paramref name="sender"/> sent it.</summary>
    ValueTask<bool> IsQueuedAsync(long id, string sender, CancellationToken cancellationToken);

    /// <summary>Envelopes held, all queues (tests and operators).</summary>
    ValueTask<long> CountEnvelopesAsync(CancellationToken cancellationToken);

    // --- contacts (for presence)
    ValueTask AddContactAsync(string a, string b, CancellationToken cancellationToken);

    ValueTask<IReadOnlyList<string>> ContactsAsync(string username, CancellationToken cancellationToken);

    // --- groups: every change runs in one transaction of the provider
    ValueTask<T> InGroupTransactionAsync<T>(Func<IGroupTransaction, ValueTask<T>> work, CancellationToken cancellationToken);

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

    ValueTask AddMemberAsync(byte[] groupId, string username, bool admin, DateTimeOffset now);

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

internal sealed record GroupMemberRecord(string Username, bool Admin, DateTimeOffset JoinedAt);

internal sealed record GroupRecord(byte[] Id, string Name, DateTimeOffset CreatedAt, IReadOnlyList<GroupMemberRecord> Members)
{
    public GroupMemberRecord? Member(string username) => Members.FirstOrDefault(m => m.Username == username);
}

internal sealed record MessagingSweep(int Envelopes, int Challenges, int Tokens)
{
    public int Total => Envelopes + Challenges + Tokens;
}
