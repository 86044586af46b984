using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Parley.Protocol.Spqr;

/// <summary>
/// SPQR's authenticator (spqr <c>authenticator.rs</c>, <c>kdf.rs</c>): both sides keep the same root
/// and MAC keys, fold every epoch secret in, and MAC the ML-KEM header and the ciphertext with them, so
/// a braid message that was not made by the peer of this very session is refused. Immutable.
/// </summary>
internal sealed class Authenticator
{
    public const int KeySize = 32;
    public const int MacSize = 32;

    private static ReadOnlySpan<byte> UpdateLabel => "Signal_PQCKA_V1_MLKEM768:Authenticator Update"u8;

    private static ReadOnlySpan<byte> HeaderLabel => "Signal_PQCKA_V1_MLKEM768:ekheader"u8;

    private static ReadOnlySpan<byte> CiphertextLabel => "Signal_PQCKA_V1_MLKEM768:ciphertext"u8;

    private static ReadOnlySpan<byte> EpochSecretLabel => "Signal_PQCKA_V1_MLKEM768:SCKA Key"u8;

    private readonly byte[] _rootKey;
    private readonly byte[] _macKey;

    public Authenticator(byte[] rootKey, byte[] macKey)
    {
        if (rootKey.Length != KeySize || macKey.Length != KeySize)
        {
            throw new ArgumentException("Authenticator keys are 32 bytes.");
        }

        _rootKey = rootKey;
        _macKey = macKey;
    }

    public ReadOnlySpan<byte> RootKey => _rootKey;

    public ReadOnlySpan<byte> MacKey => _macKey;

    /// <summary>Epoch 1's authenticator: zero keys updated with the PQXDH auth key.</summary>
    public static Authenticator Create(ReadOnlySpan<byte> authKey) =>
        new Authenticator(new byte[KeySize], new byte[KeySize]).Update(1, authKey);

    /// <summary>root ‖ mac = HKDF(salt 0³², root ‖ key, "…Authenticator Update" ‖ BE64(epoch), 64).</summary>
    public Authenticator Update(ulong epoch, ReadOnlySpan<byte> key)
    {
        Span<byte> ikm = stackalloc byte[KeySize + key.Length];
        Span<byte> info = stackalloc byte[UpdateLabel.Length + 8];
        Span<byte> okm = stackalloc byte[2 * KeySize];
        _rootKey.CopyTo(ikm);
        key.CopyTo(ikm[KeySize..]);
        UpdateLabel.CopyTo(info);
        BinaryPrimitives.WriteUInt64BigEndian(info[UpdateLabel.Length..], epoch);
        HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, okm, default, info);
        var next = new Authenticator(okm[..KeySize].ToArray(), okm[KeySize..].ToArray());
        CryptographicOperations.ZeroMemory(ikm);
        CryptographicOperations.ZeroMemory(okm);
        return next;
    }

    /// <summary>HMAC(mac key, "…ekheader" ‖ BE64(epoch) ‖ header).</summary>
    public byte[] HeaderMac(ulong epoch, ReadOnlySpan<byte> header) => Mac(HeaderLabel, epoch, header, default);

    /// <summary>HMAC(mac key, "…ciphertext" ‖ BE64(epoch) ‖ ct1 ‖ ct2).</summary>
    public byte[] CiphertextMac(ulong epoch, ReadOnlySpan<byte> ciphertext1, ReadOnlySpan<byte> ciphertext2) =>
        Mac(CiphertextLabel, epoch, ciphertext1, ciphertext2);

    public bool VerifyHeader(ulong epoch, ReadOnlySpan<byte> header, ReadOnlySpan<byte> mac) =>
        CryptographicOperations.FixedTimeEquals(HeaderMac(epoch, header), mac);

    public bool VerifyCiphertext(ulong epoch, ReadOnlySpan<byte> ciphertext1, ReadOnlySpan<byte> ciphertext2, ReadOnlySpan<byte> mac) =>
        CryptographicOperations.FixedTimeEquals(CiphertextMac(epoch, ciphertext1, ciphertext2), mac);

    /// <summary>An epoch's secret from the ML-KEM shared secret: HKDF(salt 0³², ss, "…SCKA Key" ‖ BE64(epoch), 32).</summary>
    public static byte[] EpochSecret(ReadOnlySpan<byte> sharedSecret, ulong epoch)
    {
        Span<byte> info = stackalloc byte[EpochSecretLabel.Length + 8];
        EpochSecretLabel.CopyTo(info);
        BinaryPrimitives.WriteUInt64BigEndian(info[EpochSecretLabel.Length..], epoch);
        var secret = new byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, sharedSecret, secret, default, info);
        return secret;
    }

    private byte[] Mac(ReadOnlySpan<byte> label, ulong epoch, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _macKey);
        Span<byte> epochBytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(epochBytes, epoch);
        hmac.AppendData(label);
        hmac.AppendData(epochBytes);
        hmac.AppendData(first);
        hmac.AppendData(second);
        return hmac.GetHashAndReset();
    }

    public override string ToString() => nameof(Authenticator);
}
