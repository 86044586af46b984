using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Parley.Crypto;

namespace Parley.Client.Profiles;

/// <summary>
/// The keys an unlocked profile works with, derived from its random 32-byte data key with HKDF-SHA256:
/// a value key (AES-256-GCM for every stored value) and an index key (HMAC-SHA256 that turns names —
/// usernames, group ids, addresses — into opaque row keys). Values are sealed as
/// <c>1 ‖ nonce(12) ‖ ciphertext ‖ tag(16)</c> with their row's identity as associated data, so a value
/// moved to another row, or changed at all, fails to open. Disposing zeroes the keys.
/// </summary>
internal sealed class ProfileKeys : IDisposable
{
    public const int DataKeySize = 32;
    private const byte SealVersion = 1;
    private static readonly byte[] ValueInfo = "parley profile values v1"u8.ToArray();
    private static readonly byte[] IndexInfo = "parley profile index v1"u8.ToArray();

    private readonly byte[] _valueKey = new byte[32];
    private readonly byte[] _indexKey = new byte[32];
    private readonly AesGcm _gcm;
    private readonly IncrementalHash _index; // one keyed HMAC, reset after each use: no per-call OpenSSL setup
    private readonly Lock _lock = new();

    public ProfileKeys(ReadOnlySpan<byte> dataKey)
    {
        if (dataKey.Length != DataKeySize)
        {
            throw new ArgumentException($"The data key is {DataKeySize} bytes.", nameof(dataKey));
        }

        HKDF.DeriveKey(HashAlgorithmName.SHA256, dataKey, _valueKey, [], ValueInfo);
        HKDF.DeriveKey(HashAlgorithmName.SHA256, dataKey, _indexKey, [], IndexInfo);
        _gcm = new AesGcm(_valueKey, Aes256Gcm.TagSize);
        _index = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _indexKey);
    }

    /// <summary>The opaque row key of <paramref name="name"/> in <paramref name="kind"/>.</summary>
    public byte[] Index(ItemKind kind, string name)
    {
        var bytes = new byte[4 + Encoding.UTF8.GetMaxByteCount(name.Length)];
        BinaryPrimitives.WriteInt32BigEndian(bytes, (int)kind);
        var length = 4 + Encoding.UTF8.GetBytes(name, bytes.AsSpan(4));
        lock (_lock)
        {
            _index.AppendData(bytes, 0, length);
            return _index.GetHashAndReset();
        }
    }

    /// <summary>Encrypts <paramref name="plaintext"/> bound to <paramref name="row"/>.</summary>
    public byte[] Seal(ReadOnlySpan<byte> row, ReadOnlySpan<byte> plaintext)
    {
        var sealedValue = new byte[1 + Aes256Gcm.NonceSize + plaintext.Length + Aes256Gcm.TagSize];
        sealedValue[0] = SealVersion;
        var nonce = sealedValue.AsSpan(1, Aes256Gcm.NonceSize);
        RandomNumberGenerator.Fill(nonce);
        var body = sealedValue.AsSpan(1 + Aes256Gcm.NonceSize, plaintext.Length);
        var tag = sealedValue.AsSpan(1 + Aes256Gcm.NonceSize + plaintext.Length);
        lock (_lock)
        {
            _gcm.Encrypt(nonce, plaintext, body, tag, row);
        }

        return sealedValue;
    }

    /// <summary>Decrypts a value sealed for <paramref name="row"/>; a damaged or moved value throws.</summary>
    /// <exception cref="ProfileException">The value does not authenticate (<see cref="ProfileFailure.Damaged"/>).</exception>
    public byte[] Open(ReadOnlySpan<byte> row, ReadOnlySpan<byte> sealedValue, string what)
    {
        const int overhead = 1 + Aes256Gcm.NonceSize + Aes256Gcm.TagSize;
        if (sealedValue.Length < overhead || sealedValue[0] != SealVersion)
        {
            throw ProfileException.Damaged(what);
        }

        var length = sealedValue.Length - overhead;
        var plaintext = new byte[length];
        try
        {
            lock (_lock)
            {
                _gcm.Decrypt(sealedValue.Slice(1, Aes256Gcm.NonceSize), sealedValue.Slice(1 + Aes256Gcm.NonceSize, length),
                    sealedValue[(1 + Aes256Gcm.NonceSize + length)..], plaintext, row);
            }
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw ProfileException.Damaged(what, e);
        }

        return plaintext;
    }

    public void Dispose()
    {
        _gcm.Dispose();
        _index.Dispose();
        CryptographicOperations.ZeroMemory(_valueKey);
        CryptographicOperations.ZeroMemory(_indexKey);
    }

    public override string ToString() => "ProfileKeys(…)";
}
