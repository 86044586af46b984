namespace Parley.Protocol.Wire;

/// <summary>libsignal's ciphertext message types (the envelope type a transport carries next to the bytes).</summary>
public enum CiphertextMessageType
{
    /// <summary>A <see cref="SignalMessage"/> in an established session.</summary>
    Whisper = 2,

    /// <summary>A <see cref="PreKeySignalMessage"/> that also establishes the session.</summary>
    PreKey = 3,

    /// <summary>A <see cref="SenderKeyMessage"/> (group).</summary>
    SenderKey = 7,

    /// <summary>Unencrypted content (not produced by Parley).</summary>
    Plaintext = 8,
}

/// <summary>An encrypted 1:1 message as it goes on the wire: its type and its bytes.</summary>
public sealed record CiphertextMessage(CiphertextMessageType Type, byte[] Serialized)
{
    public override string ToString() => $"CiphertextMessage({Type}, {Serialized.Length} bytes)";
}

/// <summary>Version constants of the Signal wire formats (libsignal <c>protocol.rs</c>).</summary>
public static class MessageVersions
{
    /// <summary>The 1:1 message version Parley sends: 4, PQXDH.</summary>
    public const byte Current = 4;

    /// <summary>Version 3, the pre-Kyber X3DH version; parsed, then refused.</summary>
    public const byte PreKyber = 3;

    /// <summary>The sender-key message version.</summary>
    public const byte SenderKey = 3;

    internal static ProtocolFailure Check(byte first, byte minimum, byte maximum)
    {
        var version = first >> 4;
        if (version < minimum)
        {
            return ProtocolFailure.LegacyMessageVersion;
        }

        return version > maximum ? ProtocolFailure.UnrecognizedMessageVersion : ProtocolFailure.None;
    }
}
