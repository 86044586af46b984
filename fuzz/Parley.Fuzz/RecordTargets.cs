using Parley.Protocol.Groups;
using Parley.Protocol.Keys;
using Parley.Protocol.Ratchet;

namespace Parley.Fuzz;

/// <summary>
/// Stored records a host reads back from its store. Each <c>Deserialize</c> documents
/// <see cref="FormatException"/> for bytes that are not a record of a known version. A record that
/// was accepted must also survive the host's next save and load: its own serialization reads back
/// and serializes to the same bytes.
/// </summary>
internal static class RecordTargets
{
    public static IEnumerable<FuzzTarget> All() =>
    [
        Record("session-record", "SessionRecord.Deserialize", input => SessionRecord.Deserialize(input).Serialize()),
        Record("sender-key-record", "SenderKeyRecord.Deserialize", input => SenderKeyRecord.Deserialize(input).Serialize()),
        Record("prekey-record", "PreKeyRecord.Deserialize", input => PreKeyRecord.Deserialize(input).Serialize()),
        Record("signed-prekey-record", "SignedPreKeyRecord.Deserialize", input => SignedPreKeyRecord.Deserialize(input).Serialize()),
        Record("kyber-prekey-record", "KyberPreKeyRecord.Deserialize", input => KyberPreKeyRecord.Deserialize(input).Serialize()),
    ];

    /// <summary>Decodes a record and serializes it again.</summary>
    private delegate byte[] Resave(ReadOnlySpan<byte> input);

    private static FuzzTarget Record(string name, string decoder, Resave resave) =>
        new(name, decoder, input =>
        {
            byte[]? saved = null;
            var bytes = input.ToArray();
            Refusals.Allow<FormatException>(() => saved = resave(bytes));
            if (saved is not null && !resave(saved).AsSpan().SequenceEqual(saved))
            {
                throw new InvalidOperationException($"{decoder}: a re-saved record does not read back to the same bytes.");
            }
        });
}
