using Parley.Crypto;

namespace Parley.Protocol.Wire;

/// <summary>
/// A group message: <c>0x33 ‖ protobuf ‖ XEdDSA signature(64)</c> over everything before the signature
/// (libsignal <c>SenderKeyMessage</c>).
/// </summary>
public sealed class SenderKeyMessage
{
    public const int SignatureLength = XEdDsa.SignatureSize;

    private SenderKeyMessage(Guid distributionId, uint chainId, uint iteration, byte[] ciphertext, byte[] serialized)
    {
        DistributionId = distributionId;
        ChainId = chainId;
        Iteration = iteration;
        Ciphertext = ciphertext;
        Serialized = serialized;
    }

    public Guid DistributionId { get; }

    public uint ChainId { get; }

    public uint Iteration { get; }

    public byte[] Ciphertext { get; }

    public byte[] Serialized { get; }

    internal static SenderKeyMessage Create(Guid distributionId, uint chainId, uint iteration, byte[] ciphertext, Curve25519PrivateKey signingKey, IRandomSource random)
    {
        var writer = new ProtoWriter(ciphertext.Length + 96);
        writer.WriteRawByte((MessageVersions.SenderKey << 4) | MessageVersions.SenderKey);
        writer.WriteBytes(1, GuidBytes.ToBigEndian(distributionId));
        writer.WriteUInt(2, chainId);
        writer.WriteUInt(3, iteration);
        writer.WriteBytes(4, ciphertext);
        var signature = signingKey.Sign(writer.AsSpan(), random);
        writer.WriteRaw(signature);
        return new SenderKeyMessage(distributionId, chainId, iteration, ciphertext, writer.ToArray());
    }

    /// <summary>Parses a serialized message; on failure says why.</summary>
    public static bool TryParse(ReadOnlySpan<byte> serialized, out SenderKeyMessage? message, out ProtocolFailure failure)
    {
        message = null;
        if (serialized.Length < 1 + SignatureLength)
        {
            failure = ProtocolFailure.InvalidMessage;
            return false;
        }

        failure = MessageVersions.Check(serialized[0], MessageVersions.SenderKey, MessageVersions.SenderKey);
        if (failure != ProtocolFailure.None)
        {
            return false;
        }

        byte[]? distribution = null, ciphertext = null;
        uint? chainId = null, iteration = null;
        try
        {
            var reader = new ProtoReader(serialized[1..^SignatureLength]);
            while (reader.TryReadTag(out var field, out var wireType))
            {
                switch (field)
                {
                    case 1: distribution = reader.ReadBytes(wireType).ToArray(); break;
                    case 2: chainId = reader.ReadUInt32(wireType); break;
                    case 3: iteration = reader.ReadUInt32(wireType); break;
                    case 4: ciphertext = reader.ReadBytes(wireType).ToArray(); break;
                    default: reader.Skip(wireType); break;
                }
            }
        }
        catch (FormatException)
        {
            failure = ProtocolFailure.InvalidMessage;
            return false;
        }

        if (distribution is not { Length: 16 } || chainId is null || iteration is null || ciphertext is null)
        {
            failure = ProtocolFailure.InvalidMessage;
            return false;
        }

        message = new SenderKeyMessage(GuidBytes.FromBigEndian(distribution), chainId.Value, iteration.Value, ciphertext, serialized.ToArray());
        return true;
    }

    internal bool VerifySignature(Curve25519PublicKey signingKey) =>
        XEdDsa.Verify(signingKey, Serialized.AsSpan(0, Serialized.Length - SignatureLength), Serialized.AsSpan(Serialized.Length - SignatureLength));
}

/// <summary>
/// Hands a sender's chain key and signing key to group members (libsignal
/// <c>SenderKeyDistributionMessage</c>): <c>0x33 ‖ protobuf</c>, sent inside a 1:1 session.
/// </summary>
public sealed class SenderKeyDistributionMessage
{
    private SenderKeyDistributionMessage(Guid distributionId, uint chainId, uint iteration, byte[] chainKey, Curve25519PublicKey signingKey, byte[] serialized)
    {
        DistributionId = distributionId;
        ChainId = chainId;
        Iteration = iteration;
        ChainKey = chainKey;
        SigningKey = signingKey;
        Serialized = serialized;
    }

    public Guid DistributionId { get; }

    public uint ChainId { get; }

    public uint Iteration { get; }

    internal byte[] ChainKey { get; }

    public Curve25519PublicKey SigningKey { get; }

    public byte[] Serialized { get; }

    internal static SenderKeyDistributionMessage Create(Guid distributionId, uint chainId, uint iteration, byte[] chainKey, Curve25519PublicKey signingKey)
    {
        var writer = new ProtoWriter(128);
        writer.WriteRawByte((MessageVersions.SenderKey << 4) | MessageVersions.SenderKey);
        writer.WriteBytes(1, GuidBytes.ToBigEndian(distributionId));
        writer.WriteUInt(2, chainId);
        writer.WriteUInt(3, iteration);
        writer.WriteBytes(4, chainKey);
        writer.WriteBytes(5, signingKey.Serialize());
        return new SenderKeyDistributionMessage(distributionId, chainId, iteration, chainKey.ToArray(), signingKey, writer.ToArray());
    }

    /// <summary>Parses a serialized message; on failure says why.</summary>
    public static bool TryParse(ReadOnlySpan<byte> serialized, out SenderKeyDistributionMessage? message, out ProtocolFailure failure)
    {
        message = null;
        if (serialized.Length < 1 + 32 + 32)
        {
            failure = ProtocolFailure.InvalidMessage;
            return false;
        }

        failure = MessageVersions.Check(serialized[0], MessageVersions.SenderKey, MessageVersions.SenderKey);
        if (failure != ProtocolFailure.None)
        {
            return false;
        }

        byte[]? distribution = null, chainKey = null, signingKey = null;
        uint? chainId = null, iteration = null;
        try
        {
            var reader = new ProtoReader(serialized[1..]);
            while (reader.TryReadTag(out var field, out var wireType))
            {
                switch (field)
                {
                    case 1: distribution = reader.ReadBytes(wireType).ToArray(); break;
                    case 2: chainId = reader.ReadUInt32(wireType); break;
                    case 3: iteration = reader.ReadUInt32(wireType); break;
                    case 4: chainKey = reader.ReadBytes(wireType).ToArray(); break;
                    case 5: signingKey = reader.ReadBytes(wireType).ToArray(); break;
                    default: reader.Skip(wireType); break;
                }
            }
        }
        catch (FormatException)
        {
            failure = ProtocolFailure.InvalidMessage;
            return false;
        }

        if (distribution is not { Length: 16 } || chainId is null || iteration is null
            || chainKey is not { Length: 32 } || signingKey is not { Length: 33 })
        {
            failure = ProtocolFailure.InvalidMessage;
            return false;
        }

        if (!Curve25519PublicKey.TryDecode(signingKey, out var key))
        {
            failure = ProtocolFailure.InvalidKey;
            return false;
        }

        message = new SenderKeyDistributionMessage(GuidBytes.FromBigEndian(distribution), chainId.Value, iteration.Value, chainKey, key!, serialized.ToArray());
        return true;
    }
}

/// <summary>UUIDs on the wire are 16 big-endian (RFC 4122 order) bytes.</summary>
internal static class GuidBytes
{
    public static byte[] ToBigEndian(Guid value)
    {
        var bytes = new byte[16];
        value.TryWriteBytes(bytes, bigEndian: true, out _);
        return bytes;
    }

    public static Guid FromBigEndian(ReadOnlySpan<byte> bytes) => new(bytes, bigEndian: true);
}
