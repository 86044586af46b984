using System.Security.Cryptography;
using Parley.Crypto;
using Parley.Crypto.Kem;
using Parley.Protocol.Wire;

namespace Parley.Protocol.Keys;

/// <summary>A one-time Curve25519 prekey and its id.</summary>
public sealed class PreKeyRecord
{
    private const int FormatVersion = 1;

    public PreKeyRecord(uint id, Curve25519PrivateKey keyPair)
    {
        Id = id;
        KeyPair = keyPair ?? throw new ArgumentNullException(nameof(keyPair));
    }

    public uint Id { get; }

    public Curve25519PrivateKey KeyPair { get; }

    public Curve25519PublicKey PublicKey => KeyPair.PublicKey;

    public static PreKeyRecord Generate(uint id, IRandomSource? random = null) => new(id, Curve25519PrivateKey.Generate(random));

    /// <summary>Versioned serialized form, for a host's store. Contains the private key.</summary>
    public byte[] Serialize()
    {
        var writer = new ProtoWriter();
        writer.WriteUInt(1, FormatVersion);
        writer.WriteUInt(2, Id);
        RecordCodec.WritePrivateKey(writer, 3, KeyPair);
        return writer.ToArray();
    }

    /// <exception cref="FormatException">Not a serialized prekey record of a known version.</exception>
    public static PreKeyRecord Deserialize(ReadOnlySpan<byte> serialized)
    {
        uint? version = null, id = null;
        Curve25519PrivateKey? key = null;
        var reader = new ProtoReader(serialized);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: version = reader.ReadUInt32(wire); break;
                case 2: id = reader.ReadUInt32(wire); break;
                case 3: key = RecordCodec.ReadPrivateKey(reader.ReadBytes(wire)); break;
                default: reader.Skip(wire); break;
            }
        }

        RecordCodec.RequireVersion(version, FormatVersion);
        return new PreKeyRecord(id ?? throw new FormatException("missing id"), key ?? throw new FormatException("missing key"));
    }

    public override string ToString() => $"PreKeyRecord({Id}, {PublicKey})";
}

/// <summary>A signed Curve25519 prekey: the key, when it was made, and the identity's XEdDSA signature over <c>0x05 ‖ key</c>.</summary>
public sealed class SignedPreKeyRecord
{
    private const int FormatVersion = 1;

    public SignedPreKeyRecord(uint id, ulong timestamp, Curve25519PrivateKey keyPair, byte[] signature)
    {
        Id = id;
        Timestamp = timestamp;
        KeyPair = keyPair ?? throw new ArgumentNullException(nameof(keyPair));
        Signature = signature ?? throw new ArgumentNullException(nameof(signature));
    }

    public uint Id { get; }

    /// <summary>Creation time, milliseconds since the Unix epoch.</summary>
    public ulong Timestamp { get; }

    public Curve25519PrivateKey KeyPair { get; }

    public Curve25519PublicKey PublicKey => KeyPair.PublicKey;

    public byte[] Signature { get; }

    /// <summary>Makes a new signed prekey and signs it with <paramref name="identity"/>.</summary>
    public static SignedPreKeyRecord Generate(uint id, IdentityKeyPair identity, ulong timestamp, IRandomSource? random = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var key = Curve25519PrivateKey.Generate(random);
        return new SignedPreKeyRecord(id, timestamp, key, identity.PrivateKey.Sign(key.PublicKey.Serialize(), random));
    }

    public byte[] Serialize()
    {
        var writer = new ProtoWriter();
        writer.WriteUInt(1, FormatVersion);
        writer.WriteUInt(2, Id);
        writer.WriteUInt(3, Timestamp);
        RecordCodec.WritePrivateKey(writer, 4, KeyPair);
        writer.WriteBytes(5, Signature);
        return writer.ToArray();
    }

    /// <exception cref="FormatException">Not a serialized signed prekey record of a known version.</exception>
    public static SignedPreKeyRecord Deserialize(ReadOnlySpan<byte> serialized)
    {
        uint? version = null, id = null;
        ulong timestamp = 0;
        Curve25519PrivateKey? key = null;
        byte[]? signature = null;
        var reader = new ProtoReader(serialized);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: version = reader.ReadUInt32(wire); break;
                case 2: id = reader.ReadUInt32(wire); break;
                case 3: timestamp = reader.ReadUInt64(wire); break;
                case 4: key = RecordCodec.ReadPrivateKey(reader.ReadBytes(wire)); break;
                case 5: signature = reader.ReadBytes(wire).ToArray(); break;
                default: reader.Skip(wire); break;
            }
        }

        RecordCodec.RequireVersion(version, FormatVersion);
        return new SignedPreKeyRecord(id ?? throw new FormatException("missing id"), timestamp, key ?? throw new FormatException("missing key"), signature ?? throw new FormatException("missing signature"));
    }

    public override string ToString() => $"SignedPreKeyRecord({Id}, {PublicKey})";
}

/// <summary>A signed Kyber1024 prekey (last-resort or one-time): key pair, time, and the identity's signature over <c>0x08 ‖ key</c>.</summary>
public sealed class KyberPreKeyRecord
{
    private const int FormatVersion = 1;

    public KyberPreKeyRecord(uint id, ulong timestamp, KemKeyPair keyPair, byte[] signature)
    {
        Id = id;
        Timestamp = timestamp;
        KeyPair = keyPair ?? throw new ArgumentNullException(nameof(keyPair));
        Signature = signature ?? throw new ArgumentNullException(nameof(signature));
    }

    public uint Id { get; }

    /// <summary>Creation time, milliseconds since the Unix epoch.</summary>
    public ulong Timestamp { get; }

    public KemKeyPair KeyPair { get; }

    public KemPublicKey PublicKey => KeyPair.PublicKey;

    public byte[] Signature { get; }

    /// <summary>Makes a new Kyber1024 prekey and signs it with <paramref name="identity"/>.</summary>
    public static KyberPreKeyRecord Generate(uint id, IdentityKeyPair identity, ulong timestamp, IRandomSource? random = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var pair = Kyber1024.Instance.GenerateKeyPair(random);
        return new KyberPreKeyRecord(id, timestamp, pair, identity.PrivateKey.Sign(pair.PublicKey.Serialize(), random));
    }

    public byte[] Serialize()
    {
        var writer = new ProtoWriter(3400);
        writer.WriteUInt(1, FormatVersion);
        writer.WriteUInt(2, Id);
        writer.WriteUInt(3, Timestamp);
        writer.WriteBytes(4, KeyPair.PublicKey.Serialize());
        var secret = new byte[Kyber1024.Instance.SecretKeySize + 1];
        try
        {
            KeyPair.SecretKey.Export(secret);
            writer.WriteBytes(5, secret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }

        writer.WriteBytes(6, Signature);
        return writer.ToArray();
    }

    /// <exception cref="FormatException">Not a serialized Kyber prekey record of a known version.</exception>
    public static KyberPreKeyRecord Deserialize(ReadOnlySpan<byte> serialized)
    {
        uint? version = null, id = null;
        ulong timestamp = 0;
        KemPublicKey? publicKey = null;
        KemSecretKey? secretKey = null;
        byte[]? signature = null;
        var reader = new ProtoReader(serialized);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: version = reader.ReadUInt32(wire); break;
                case 2: id = reader.ReadUInt32(wire); break;
                case 3: timestamp = reader.ReadUInt64(wire); break;
                case 4: publicKey = KemPublicKey.TryDecode(reader.ReadBytes(wire), out var pk) ? pk : throw new FormatException("bad Kyber public key"); break;
                case 5:
                    try
                    {
                        secretKey = KemSecretKey.Import(reader.ReadBytes(wire));
                    }
                    catch (ArgumentException e)
                    {
                        throw new FormatException("bad Kyber secret key", e);
                    }

                    break;
                case 6: signature = reader.ReadBytes(wire).ToArray(); break;
                default: reader.Skip(wire); break;
            }
        }

        RecordCodec.RequireVersion(version, FormatVersion);
        if (publicKey is null || secretKey is null)
        {
            throw new FormatException("missing key");
        }

        return new KyberPreKeyRecord(id ?? throw new FormatException("missing id"), timestamp, new KemKeyPair(publicKey, secretKey), signature ?? throw new FormatException("missing signature"));
    }

    public override string ToString() => $"KyberPreKeyRecord({Id}, {PublicKey})";
}

internal static class RecordCodec
{
    public static void WritePrivateKey(ProtoWriter writer, int field, Curve25519PrivateKey key)
    {
        Span<byte> raw = stackalloc byte[Curve25519PrivateKey.KeySize];
        try
        {
            key.Export(raw);
            writer.WriteBytes(field, raw);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
        }
    }

    public static Curve25519PrivateKey ReadPrivateKey(ReadOnlySpan<byte> raw) =>
        raw.Length == Curve25519PrivateKey.KeySize ? Curve25519PrivateKey.Import(raw) : throw new FormatException("bad private key length");

    public static void RequireVersion(uint? version, int expected)
    {
        if (version != expected)
        {
            throw new FormatException(version is null ? "missing format version" : $"unsupported format version {version}");
        }
    }
}
