namespace Parley.Server.Features.Messaging;

/// <summary>
/// The public prekeys of accounts (<see cref="IAccountStore"/> creates the first ones with the account).
/// Consuming a one-time prekey is one atomic step of the provider, so no key is handed out twice.
/// </summary>
internal interface IPreKeyStore
{
    ValueTask<UploadStatus> AddPreKeysAsync(string username, PreKeyUpload upload, int maxStored, CancellationToken cancellationToken);

    /// <summary>
    /// The bundle, consuming in one step the oldest one-time EC prekey and the oldest one-time Kyber
    /// prekey (the last-resort Kyber key stands in when none is left). Null when the account is unknown.
    /// </summary>
    ValueTask<BundleRecord?> TakeBundleAsync(string username, CancellationToken cancellationToken);

    ValueTask<PreKeyCounts> CountPreKeysAsync(string username, CancellationToken cancellationToken);
}
