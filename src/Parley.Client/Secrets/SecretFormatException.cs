namespace Parley.Client.Secrets;

/// <summary>Why sealed secret data (a manifest or a file stream) was refused.</summary>
public enum SecretFormatError
{
    /// <summary>A tag did not verify: wrong key, modified bytes, reordered or re-flagged chunks.</summary>
    Unauthentic,

    /// <summary>The data ended before it should have (a cut stream or manifest).</summary>
    Truncated,

    /// <summary>More data than the manifest accounts for.</summary>
    TooLong,

    /// <summary>A version byte other than 1.</summary>
    UnsupportedVersion,

    /// <summary>Authenticated, but not a valid v1 manifest (bad JSON, members, limits, padding).</summary>
    Malformed,
}

/// <summary>
/// Sealed secret data failed to open. The message never carries key material or content; a reader
/// treats every kind as "this secret cannot be trusted" and releases nothing it decrypted.
/// </summary>
public sealed class SecretFormatException : Exception
{
    public SecretFormatException(SecretFormatError error, string message)
        : base(message) => Error = error;

    public SecretFormatException()
        : this(SecretFormatError.Malformed, "The secret data is not valid.")
    {
    }

    public SecretFormatException(string message)
        : this(SecretFormatError.Malformed, message)
    {
    }

    public SecretFormatException(string message, Exception innerException)
        : base(message, innerException) => Error = SecretFormatError.Malformed;

    public SecretFormatError Error { get; }
}
