namespace Parley.Protocol;

/// <summary>
/// Every way a protocol operation can fail on input from outside: one closed set. A failed
/// operation changes no store. Wrong arguments (null, bad lengths of locally supplied values) are
/// programming errors and throw <see cref="ArgumentException"/> instead.
/// </summary>
public enum ProtocolFailure
{
    /// <summary>No failure.</summary>
    None = 0,

    /// <summary>
    /// The message is malformed, does not authenticate (MAC, SPQR framing), does not decrypt, comes from
    /// too far in the future, or carries an invalid base key.
    /// </summary>
    InvalidMessage,

    /// <summary>The message's key was already used (a replay or duplicate) or is no longer kept.</summary>
    DuplicateMessage,

    /// <summary>The message's version nibble is older than any Parley supports.</summary>
    LegacyMessageVersion,

    /// <summary>The message's version is newer than Parley knows, or does not match the session's.</summary>
    UnrecognizedMessageVersion,

    /// <summary>There is no usable session for the address (none, or a stale unacknowledged one).</summary>
    SessionNotFound,

    /// <summary>The identity key store does not trust the remote identity for this direction.</summary>
    UntrustedIdentity,

    /// <summary>A bundle or message uses a key Parley cannot accept (wrong type or encoding).</summary>
    InvalidKey,

    /// <summary>The one-time prekey the message names is not in the store.</summary>
    InvalidPreKeyId,

    /// <summary>The signed prekey the message names is not in the store.</summary>
    InvalidSignedPreKeyId,

    /// <summary>The Kyber prekey the message names is not in the store.</summary>
    InvalidKyberPreKeyId,

    /// <summary>An XEdDSA signature (bundle prekey, sender-key message) does not verify.</summary>
    SignatureValidationFailed,

    /// <summary>No sender-key state for this sender, distribution and chain.</summary>
    NoSenderKeyState,

    /// <summary>The stored sender-key state cannot be used (e.g. it has no private signing key).</summary>
    InvalidSenderKeySession,

    /// <summary>Stored state is corrupt or cannot be decoded.</summary>
    InvalidState,
}

/// <summary>The outcome of a protocol operation that returns nothing on success.</summary>
public readonly record struct ProtocolResult(ProtocolFailure Failure)
{
    public static ProtocolResult Success => default;

    public bool IsSuccess => Failure == ProtocolFailure.None;

    public static implicit operator ProtocolResult(ProtocolFailure failure) => new(failure);
}

/// <summary>The outcome of a protocol operation: a value, or one <see cref="ProtocolFailure"/>.</summary>
public readonly record struct ProtocolResult<T>
{
    private readonly T? _value;

    private ProtocolResult(T? value, ProtocolFailure failure)
    {
        _value = value;
        Failure = failure;
    }

    public ProtocolFailure Failure { get; }

    public bool IsSuccess => Failure == ProtocolFailure.None;

    /// <summary>The value; throws when the operation failed.</summary>
    public T Value => IsSuccess ? _value! : throw new InvalidOperationException($"The operation failed: {Failure}.");

    public static ProtocolResult<T> Ok(T value) => new(value, ProtocolFailure.None);

    public static ProtocolResult<T> Fail(ProtocolFailure failure) =>
        failure == ProtocolFailure.None ? throw new ArgumentException("A failure needs a reason.", nameof(failure)) : new(default, failure);

    public override string ToString() => IsSuccess ? $"Ok({_value})" : $"Failed({Failure})";
}

/// <summary>Carries a <see cref="ProtocolFailure"/> from deep inside an operation to its public boundary.</summary>
internal sealed class ProtocolFailureException(ProtocolFailure failure, string detail) : Exception(detail)
{
    public ProtocolFailure Failure { get; } = failure;

    public static ProtocolFailureException InvalidMessage(string detail) => new(ProtocolFailure.InvalidMessage, detail);
}
