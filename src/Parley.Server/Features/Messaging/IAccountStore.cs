namespace Parley.Server.Features.Messaging;

/// <summary>
/// Accounts with their login state: registration, login challenges and token hashes. One of the messaging
/// stores (with <see cref="IPreKeyStore"/>, <see cref="IEnvelopeQueue"/>, <see cref="IPresenceStore"/> and
/// <see cref="IGroupStore"/>), each implemented by every provider (SQLite, PostgreSQL, RAM) over the provider's
/// one messaging database and held to its own contract suite. Consuming a nonce is one atomic step of the
/// provider. Stores hold public keys, hashes and opaque ciphertext only.
/// </summary>
internal interface IAccountStore
{
    /// <summary>Whether the messaging database answers (every messaging store shares it).</summary>
    ValueTask<bool> PingAsync(CancellationToken cancellationToken);

    /// <summary>Creates the account with its signed prekey, last-resort Kyber key and first one-time prekeys, in one step.</summary>
    ValueTask<RegisterStatus> RegisterAsync(NewAccount account, CancellationToken cancellationToken);

    ValueTask<StoredAccount?> FindAccountAsync(string username, CancellationToken cancellationToken);

    /// <summary>Deletes the account with its keys, tokens, challenges, presence grants (both ways), memberships, invitations and queue.</summary>
    ValueTask<bool> DeleteAccountAsync(string username, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a login challenge and keeps only the account's <see cref="MessagingStoreLimits.PendingChallenges"/>
    /// newest ones (this one always among them): a flood of challenges for one account cannot grow the table.
    /// </summary>
    ValueTask StoreChallengeAsync(string username, byte[] nonceHash, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>Removes the challenge (single use) and returns its expiry; null when there was none.</summary>
    ValueTask<DateTimeOffset?> TakeChallengeAsync(string username, byte[] nonceHash, CancellationToken cancellationToken);

    ValueTask StoreTokenAsync(byte[] tokenHash, string username, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>The token's account, if the token exists and has not expired at <paramref name="now"/>.</summary>
    ValueTask<StoredToken?> FindTokenAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken);

    ValueTask<bool> DeleteTokenAsync(byte[] tokenHash, CancellationToken cancellationToken);

    /// <summary>Deletes the challenges and tokens expired at <paramref name="now"/>.</summary>
    ValueTask<LoginSweep> SweepLoginsAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
