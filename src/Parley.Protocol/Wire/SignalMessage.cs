using System.Security.Cryptography;
using Parley.Crypto;

namespace Parley.Protocol.Wire;

/// <summary>
/// A Double Ratchet message: <c>version ‖ protobuf ‖ MAC(8)</c> (libsignal <c>SignalMessage</c>). The MAC
/// is the first 8 bytes of HMAC-SHA256(macKey, senderIdentity(33) ‖ receiverIdentity(33) ‖ version ‖ protobuf).
/// </summary>
public sealed class SignalMessage
{
    /// <summary>Length of the truncated MAC.</summary>
    public const int MacLength = 8;

    private SignalMessage(byte version, Curve25519PublicKey ratchetKey, uint counter, uint previousCounter, byte[] ciphertext, byte[] pqRatchet, byte[]? addresses, byte[] serialized)
    {
        MessageVersion = version;
        SenderRatchetKey = ratchetKey;
        Counter = counter;
        PreviousCounter = previousCounter;
        Ciphertext = ciphertext;
        PqRatchet = pqRatchet;
        Addresses = addresses;
        Serialized = serialized;
    }

    public byte MessageVersion { get; }

    public Curve25519PublicKey SenderRatchetKey { get; }

    public uint Counter { get; }

    public uint PreviousCounter { get; }

    public byte[] Ciphertext { get; }

    /// <summary>The SPQR message (field 5); empty when absent.</summary>
    public byte[] PqRatchet { get; }

    /// <summary>The optional 36-byte sender/recipient address binding (field 6).</summary>
    public byte[]? Addresses { get; }

    public byte[] Serialized { get; }

    internal static SignalMessage Create(
        byte version,
        ReadOnlySpan<byte> macKey,
        byte[]? addresses,
        Curve25519PublicKey ratchetKey,
        uint counter,
        uint previousCounter,
        byte[] ciphertext,
        Curve25519PublicKey senderIdentity,
        Curve25519PublicKey receiverIdentity,
        byte[] pqRatchet)
    {
        var writer = new ProtoWriter(ciphertext.Length + pqRatchet.Length + 96);
        writer.WriteRawByte((byte)((version << 4) | MessageVersions.Current));
        writer.WriteBytes(1, ratchetKey.Serialize());
        writer.WriteUInt(2, counter);
        writer.WriteUInt(3, previousCounter);
        writer.WriteBytes(4, ciphertext);
        if (pqRatchet.Length > 0)
        {
            writer.WriteBytes(5, pqRatchet);
        }

        if (addresses is not null)
        {
            writer.WriteBytes(6, addresses);
        }

        Span<byte> mac = stackalloc byte[HmacSha256.TagSize];
        ComputeMac(senderIdentity, receiverIdentity, macKey, writer.AsSpan(), mac);
        writer.WriteRaw(mac[..MacLength]);
        return new SignalMessage(version, ratchetKey, counter, previousCounter, ciphertext, pqRatchet, addresses, writer.ToArray());
    }

    /// <summary>Parses a serialized message; on failure says why.</summary>
    public static bool TryParse(ReadOnlySpan<byte> serialized, out SignalMessage? message, out ProtocolFailure failure)
    {
        message = null;
        if (serialized.Length < MacLength + 1)
        {
            failure = ProtocolFailure.InvalidMessage;
            return false;
        }

        failure = MessageVersions.Check(serialized[0], MessageVersions.PreKyber, MessageVersions.Current);
        if (failure != ProtocolFailure.None)
        {
            return false;
        }

        byte[]? ratchetKey = null, ciphertext = null, pq = null, addresses = null;
        uint? counter = null;
        uint previousCounter = 0;
        try
        {
            var reader = new ProtoReader(serialized[1..^MacLength]);
            while (reader.TryReadTag(out var field, out var wireType))
            {
                switch (field)
                {
                    case 1: ratchetKey = reader.ReadBytes(wireType).ToArray(); break;
                    case 2: counter = reader.ReadUInt32(wireType); break;
                    case 3: previousCounter = reader.ReadUInt32(wireType); break;
                    case 4: ciphertext = reader.ReadBytes(wireType).ToArray(); break;
                    case 5: pq = reader.ReadBytes(wireType).ToArray(); break;
                    case 6: addresses = reader.ReadBytes(wireType).ToArray(); break;
                    default: reader.Skip(wireType); break;
                }
            }
        }
        catch (FormatException)
        {
            failure = ProtocolFailure.InvalidMessage;
            return false;
        }

        if (ratchetKey is null || counter is null || ciphertext is null)
        {
            failure = ProtocolFailure.InvalidMessage;
            return false;
        }

        if (!Curve25519PublicKey.TryDecode(ratchetKey, out var key))
        {
            failure = ProtocolFailure.InvalidKey;
            return false;
        }

        message = new SignalMessage((byte)(serialized[0] >> 4), key!, counter.Value, previousCounter, ciphertext, pq ?? [], addresses, serialized.ToArray());
        return true;
    }

    /// <summary>Parses or throws <see cref="ProtocolFailureException"/>.</summary>
    internal static SignalMessage Parse(ReadOnlySpan<byte> serialized) =>
        TryParse(serialized, out var message, out var failure) ? message! : throw new ProtocolFailureException(failure, "bad SignalMessage");

    /// <summary>
    /// Checks the MAC and, when the message carries an address binding, that it names these two
    /// parties (libsignal <c>verify_mac_with_addresses</c>).
    /// </summary>
    internal bool VerifyMac(Curve25519PublicKey senderIdentity, Curve25519PublicKey receiverIdentity, ReadOnlySpan<byte> macKey, ProtocolAddress sender, ProtocolAddress recipient)
    {
        Span<byte> mac = stackalloc byte[HmacSha256.TagSize];
        ComputeMac(senderIdentity, receiverIdentity, macKey, Serialized.AsSpan(0, Serialized.Length - MacLength), mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..MacLength], Serialized.AsSpan(Serialized.Length - MacLength)))
        {
            return false;
        }

        if (Addresses is null)
        {
            return true;
        }

        var expected = ProtocolAddress.SerializeAddresses(sender, recipient);
        return expected is not null && CryptographicOperations.FixedTimeEquals(expected, Addresses);
    }

    private static void ComputeMac(Curve25519PublicKey senderIdentity, Curve25519PublicKey receiverIdentity, ReadOnlySpan<byte> macKey, ReadOnlySpan<byte> content, Span<byte> mac)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, macKey);
        Span<byte> key = stackalloc byte[Curve25519PublicKey.SerializedSize];
        senderIdentity.WriteSerialized(key);
        hmac.AppendData(key);
        receiverIdentity.WriteSerialized(key);
        hmac.AppendData(key);
        hmac.AppendData(content);
        hmac.GetHashAndReset(mac);
    }
}
