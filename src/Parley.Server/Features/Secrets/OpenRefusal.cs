namespace Parley.Server.Features.Secrets;

/// <summary>
/// Why an open attempt was refused: what <see cref="SecretRecord.ClaimRefusalAt"/> decides (every value
/// but <see cref="Invalid"/>), and what <c>parley.secrets.open_refused</c> tags.
/// </summary>
internal enum OpenRefusal
{
    /// <summary>A malformed id, body or key: a broken client or a probe.</summary>
    Invalid,

    /// <summary>No such secret, or gone and the caller did not prove the key.</summary>
    NotFound,
    WrongAccessKey,
    WrongPassphrase,

    /// <summary>Its file is still uploading.</summary>
    NotReady,

    /// <summary>Already opened, expired, destroyed or burned (the caller proved the key).</summary>
    Gone,
}
