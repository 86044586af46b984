using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Parley.Crypto;
using Parley.Protocol.Wire;

namespace Parley.Protocol.Fingerprints;

/// <summary>
/// Safety numbers as libsignal computes them (<c>fingerprint.rs</c>): per side, SHA-512 iterated
/// over the identity key and a stable id; 30 digits per side, the smaller half first, for 60 digits;
/// and a scannable form both sides can compare.
/// </summary>
public sealed class SafetyNumber
{
    /// <summary>The iteration count Signal's apps use.</summary>
    public const int DefaultIterations = 5200;

    private readonly byte[] _localFingerprint;
    private readonly byte[] _remoteFingerprint;

    private SafetyNumber(uint version, byte[] localFingerprint, byte[] remoteFingerprint, string displayString)
    {
        Version = version;
        _localFingerprint = localFingerprint;
        _remoteFingerprint = remoteFingerprint;
        DisplayString = displayString;
    }

    /// <summary>The scannable format version: 1 when stable ids are E.164 numbers, 2 when they are 16-byte ACIs.</summary>
    public uint Version { get; }

    /// <summary>The 60 digits, identical on both sides.</summary>
    public string DisplayString { get; }

    /// <summary>The 60 digits in 12 groups of five, for display.</summary>
    public string Grouped => string.Join(' ', Enumerable.Range(0, 12).Select(i => DisplayString.Substring(i * 5, 5)));

    /// <summary>
    /// The emoji rendering of <see cref="DisplayString"/>: each five-digit group becomes three emoji,
    /// the base-64 digits of its value (most significant first) looked up in <see cref="SafetyNumberEmoji.Table"/>.
    /// The mapping is one-to-one, so comparing emoji is as strong as comparing digits.
    /// </summary>
    public IReadOnlyList<string> Emoji => SafetyNumberEmoji.Render(DisplayString);

    /// <summary>
    /// Computes both sides' fingerprints. <paramref name="localId"/> and <paramref name="remoteId"/> are
    /// the stable ids (the E.164 number's UTF-8 bytes for version 1, the 16-byte ACI for version 2).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Iterations outside libsignal's 2 … 1,000,000.</exception>
    public static SafetyNumber Create(uint version, int iterations, ReadOnlySpan<byte> localId, Curve25519PublicKey localKey, ReadOnlySpan<byte> remoteId, Curve25519PublicKey remoteKey)
    {
        ArgumentNullException.ThrowIfNull(localKey);
        ArgumentNullException.ThrowIfNull(remoteKey);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, 1_000_000);
        var local = Fingerprint(iterations, localId, localKey);
        var remote = Fingerprint(iterations, remoteId, remoteKey);
        var localDigits = Digits(local);
        var remoteDigits = Digits(remote);
        var display = string.CompareOrdinal(localDigits, remoteDigits) < 0 ? localDigits + remoteDigits : remoteDigits + localDigits;
        return new SafetyNumber(version, local[..32], remote[..32], display);
    }

    /// <summary>The scannable form: protobuf <c>CombinedFingerprints{version, local{content}, remote{content}}</c>.</summary>
    public byte[] Scannable()
    {
        var local = new ProtoWriter(40);
        local.WriteBytes(1, _localFingerprint);
        var remote = new ProtoWriter(40);
        remote.WriteBytes(1, _remoteFingerprint);
        var writer = new ProtoWriter(80);
        writer.WriteUInt(1, Version);
        writer.WriteMessage(2, local);
        writer.WriteMessage(3, remote);
        return writer.ToArray();
    }

    /// <summary>
    /// Compares with the scannable form the other side shows: same version, and their local/remote
    /// halves crossed with ours. Returns false (never throws) for unreadable input; a different version
    /// gives <see cref="ScanResult.VersionMismatch"/>.
    /// </summary>
    public ScanResult CompareScannable(ReadOnlySpan<byte> theirs)
    {
        uint version = 0;
        byte[]? theirLocal = null, theirRemote = null;
        try
        {
            var reader = new ProtoReader(theirs);
            while (reader.TryReadTag(out var field, out var wire))
            {
                switch (field)
                {
                    case 1: version = reader.ReadUInt32(wire); break;
                    case 2: theirLocal = Content(reader.ReadBytes(wire)); break;
                    case 3: theirRemote = Content(reader.ReadBytes(wire)); break;
                    default: reader.Skip(wire); break;
                }
            }
        }
        catch (FormatException)
        {
            return ScanResult.Unreadable;
        }

        if (version != Version)
        {
            return ScanResult.VersionMismatch;
        }

        if (theirLocal is null || theirRemote is null)
        {
            return ScanResult.Unreadable;
        }

        var same = CryptographicOperations.FixedTimeEquals(theirLocal, _remoteFingerprint)
            & CryptographicOperations.FixedTimeEquals(theirRemote, _localFingerprint);
        return same ? ScanResult.Match : ScanResult.Mismatch;
    }

    public override string ToString() => $"SafetyNumber({Grouped})";

    private static byte[]? Content(ReadOnlySpan<byte> logicalFingerprint)
    {
        byte[]? content = null;
        var reader = new ProtoReader(logicalFingerprint);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1)
            {
                content = reader.ReadBytes(wire).ToArray();
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return content;
    }

    private static byte[] Fingerprint(int iterations, ReadOnlySpan<byte> stableId, Curve25519PublicKey key)
    {
        var keyBytes = key.Serialize();
        var input = new byte[64 + keyBytes.Length];
        using (var first = IncrementalHash.CreateHash(HashAlgorithmName.SHA512))
        {
            first.AppendData([0x00, 0x00]);
            first.AppendData(keyBytes);
            first.AppendData(stableId);
            first.AppendData(keyBytes);
            first.GetHashAndReset(input.AsSpan(0, 64));
        }

        keyBytes.CopyTo(input, 64);
        Span<byte> next = stackalloc byte[64];
        for (var i = 1; i < iterations; i++)
        {
            SHA512.HashData(input, next);
            next.CopyTo(input);
        }

        return input[..64];
    }

    private static string Digits(ReadOnlySpan<byte> fingerprint)
    {
        var sb = new StringBuilder(30);
        for (var chunk = 0; chunk < 6; chunk++)
        {
            ulong value = 0;
            for (var i = 0; i < 5; i++)
            {
                value = (value << 8) | fingerprint[(chunk * 5) + i];
            }

            sb.Append((value % 100_000).ToString("D5", CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }
}

/// <summary>The outcome of comparing scannable safety numbers.</summary>
public enum ScanResult
{
    Match,
    Mismatch,
    VersionMismatch,
    Unreadable,
}

/// <summary>
/// Parley's documented emoji alphabet for safety numbers: 64 emoji chosen to be distinct at a glance
/// and easy to name aloud. A five-digit group v (0 … 99,999) is written as three base-64 digits
/// (v ÷ 4096, v ÷ 64 mod 64, v mod 64), each shown as <c>Table[d]</c>.
/// </summary>
public static class SafetyNumberEmoji
{
    /// <summary>The alphabet: (emoji, English name), index = digit value.</summary>
    public static IReadOnlyList<(string Emoji, string Name)> Table { get; } =
    [
        ("🐶", "dog"), ("🐱", "cat"), ("🦁", "lion"), ("🐎", "horse"), ("🦄", "unicorn"), ("🐷", "pig"), ("🐘", "elephant"), ("🐰", "rabbit"),
        ("🐼", "panda"), ("🐓", "rooster"), ("🐧", "penguin"), ("🐢", "turtle"), ("🐟", "fish"), ("🐙", "octopus"), ("🦋", "butterfly"), ("🌷", "tulip"),
        ("🌳", "tree"), ("🌵", "cactus"), ("🍄", "mushroom"), ("🌏", "globe"), ("🌙", "moon"), ("☁️", "cloud"), ("🔥", "fire"), ("🍌", "banana"),
        ("🍎", "apple"), ("🍓", "strawberry"), ("🌽", "corn"), ("🍕", "pizza"), ("🎂", "cake"), ("❤️", "heart"), ("😀", "smiley"), ("🤖", "robot"),
        ("🎩", "hat"), ("👓", "glasses"), ("🔧", "wrench"), ("🎅", "santa"), ("👍", "thumbs up"), ("☂️", "umbrella"), ("⌛", "hourglass"), ("⏰", "clock"),
        ("🎁", "gift"), ("💡", "light bulb"), ("📕", "book"), ("✏️", "pencil"), ("📎", "paperclip"), ("✂️", "scissors"), ("🔒", "lock"), ("🔑", "key"),
        ("🔨", "hammer"), ("☎️", "telephone"), ("🏁", "flag"), ("🚂", "train"), ("🚲", "bicycle"), ("✈️", "aeroplane"), ("🚀", "rocket"), ("🏆", "trophy"),
        ("⚽", "ball"), ("🎸", "guitar"), ("🎺", "trumpet"), ("🔔", "bell"), ("⚓", "anchor"), ("🎧", "headphones"), ("📁", "folder"), ("📌", "pin"),
    ];

    /// <summary>Renders a 60-digit safety number as 36 emoji.</summary>
    /// <exception cref="ArgumentException">Not 60 decimal digits.</exception>
    public static IReadOnlyList<string> Render(string digits)
    {
        ArgumentNullException.ThrowIfNull(digits);
        if (digits.Length != 60 || !digits.All(char.IsAsciiDigit))
        {
            throw new ArgumentException("A safety number is 60 decimal digits.", nameof(digits));
        }

        var result = new List<string>(36);
        for (var group = 0; group < 12; group++)
        {
            var value = int.Parse(digits.AsSpan(group * 5, 5), NumberStyles.None, CultureInfo.InvariantCulture);
            result.Add(Table[value / 4096].Emoji);
            result.Add(Table[(value / 64) % 64].Emoji);
            result.Add(Table[value % 64].Emoji);
        }

        return result;
    }
}
