using Parley.Crypto;

namespace Parley.Protocol.Wire;

/// <summary>
/// The first messages of a session: <c>version ‖ protobuf</c> carrying the prekey ids, the Kyber
/// ciphertext, Alice's base and identity keys and a complete <see cref="SignalMessage"/> (libsignal
/// <c>PreKeySignalMessage</c>; no outer MAC).
/// </summary>
public sealed class PreKeySignalMessage
{
    private PreKeySignalMessage(byte version, uint registrationId, uint? preKeyId, uint signedPreKeyId, uint? kyberPreKeyId, byte[]? kyberCiphertext, Curve25519PublicKey baseKey, Curve25519PublicKey identityKey, SignalMessage message, byte[] serialized)
    {
        MessageVersion = version;
        RegistrationId = registrationId;
        PreKeyId = preKeyId;
        SignedPreKeyId = signedPreKeyId;
        KyberPreKeyId = kyberPreKeyId;
        KyberCiphertext = kyberCiphertext;
        BaseKey = baseKey;
        IdentityKey = identityKey;
        Message = message;
        Serialized = serialized;
    }

    public byte MessageVersion { get; }

    public uint RegistrationId { get; }

    public uint? PreKeyId { get; }

    public uint SignedPreKeyId { get; }

    public uint? KyberPreKeyId { get; }

    /// <summary>The serialized Kyber ciphertext (<c>0x08 ‖ 1568</c>), present in every version-4 message.</summary>
    public byte[]? KyberCiphertext { get; }

    public Curve25519PublicKey BaseKey { get; }

    public Curve25519PublicKey IdentityKey { get; }

    public SignalMessage Message { get; }

    public byte[] Serialized { get; }

    internal static PreKeySignalMessage Create(byte version, uint registrationId, uint? preKeyId, uint signedPreKeyId, uint kyberPreKeyId, byte[] kyberCiphertext, Curve25519PublicKey baseKey, Curve25519PublicKey identityKey, SignalMessage message)
    {
        var writer = new ProtoWriter(message.Serialized.Length + kyberCiphertext.Length + 128);
        writer.WriteRawByte((byte)((version << 4) | MessageVersions.Current));
        if (preKeyId is { } id)
        {
            writer.WriteUInt(1, id);
        }

        writer.WriteBytes(2, baseKey.Serialize());
        writer.WriteBytes(3, identityKey.Serialize());
        writer.WriteBytes(4, message.Serialized);
        writer.WriteUInt(5, registrationId);
        writer.WriteUInt(6, signedPreKeyId);
        writer.WriteUInt(7, kyberPreKeyId);
        writer.WriteBytes(8, kyberCiphertext);
        return new PreKeySignalMessage(version, registrationId, preKeyId, signedPreKeyId, kyberPreKeyId, kyberCiphertext, baseKey, identityKey, message, writer.ToArray());
    }

    /// <summary>Parses a serialized message; on failure says why.</summary>
    public static bool TryParse(ReadOnlySpan<byte> serialized, out PreKeySignalMessage? message, out ProtocolFailure failure)
    {
        message = null;
        if (serialized.IsEmpty)
        {
            failure = ProtocolFailure.InvalidMessage;
            return false;
        }

        failure = MessageVersions.Check(serialized[0], MessageVersions.PreKyber, MessageVersions.Current);
        if (failure != ProtocolFailure.None)
        {
            return false;
        }

        var version = (byte)(serialized[0] >> 4);
        uint? registrationId = null, preKeyId = null, signedPreKeyId = null, kyberPreKeyId = null;
        byte[]? baseKey = null, identityKey = null, inner = null, kyberCiphertext = null;
        try
        {
            var reader = new ProtoReader(serialized[1..]);
            while (reader.TryReadTag(out var field, out var wireType))
            {
                switch (field)
                {
                    case 1: preKeyId = reader.ReadUInt32(wireType); break;
                    case 2: baseKey = reader.ReadBytes(wireType).ToArray(); break;
                    case 3: identityKey = reader.ReadBytes(wireType).ToArray(); break;
                    case 4: inner = reader.ReadBytes(wireType).ToArray(); break;
                    case 5: registrationId = reader.ReadUInt32(wireType); break;
                    case 6: signedPreKeyId = reader.ReadUInt32(wireType); break;
                    case 7: kyberPreKeyId = reader.ReadUInt32(wireType); break;
                    case 8: kyberCiphertext = reader.ReadBytes(wireType).ToArray(); break;
                    default: reader.Skip(wireType); break;
                }
            }
        }
        catch (FormatException)
        {
            failure = ProtocolFailure.InvalidMessage;
            return false;
        }

        if (baseKey is null || identityKey is null || inner is null || signedPreKeyId is null)
        {
            failure = ProtocolFailure.InvalidMessage;
            return false;
        }

        if (!Curve25519PublicKey.TryDecode(baseKey, out var decodedBase))
        {
            failure = ProtocolFailure.InvalidKey;
            return false;
        }

        // Both or neither Kyber field; version 4 requires them.
        if ((kyberPreKeyId is null) != (kyberCiphertext is null)
            || (kyberPreKeyId is null && version > MessageVersions.PreKyber))
        {
            failure = ProtocolFailure.InvalidMessage;
            return false;
        }

        if (!Curve25519PublicKey.TryDecode(identityKey, out var decodedIdentity))
        {
            failure = ProtocolFailure.InvalidKey;
            return false;
        }

        if (!SignalMessage.TryParse(inner, out var signalMessage, out failure))
        {
            return false;
        }

        message = new PreKeySignalMessage(version, registrationId ?? 0, preKeyId, signedPreKeyId.Value, kyberPreKeyId, kyberCiphertext, decodedBase!, decodedIdentity!, signalMessage!, serialized.ToArray());
        return true;
    }
}
