using Parley.Protocol.Groups;
using Parley.Protocol.Keys;
using Parley.Protocol.Ratchet;

namespace Parley.Fuzz;

/// <summary>
/// Stored records a host reads back from its store. Each <c>Deserialize</c> documents
/// <see cref="FormatException"/> for bytes that are not a record of a known version.
/// </summary>
internal static class RecordTargets
{
    public static IEnumerable<FuzzTarget> All() =>
    [
        Record("session-record", "SessionRecord.Deserialize", input => SessionRecord.Deserialize(input)),
        Record("sender-key-record", "SenderKeyRecord.Deserialize", input => SenderKeyRecord.Deserialize(input)),
        Record("prekey-record", "PreKeyRecord.Deserialize", input => PreKeyRecord.Deserialize(input)),
        Record("signed-prekey-record", "SignedPreKeyRecord.Deserialize", input => SignedPreKeyRecord.Deserialize(input)),
        Record("kyber-prekey-record", "KyberPreKeyRecord.Deserialize", input => KyberPreKeyRecord.Deserialize(input)),
    ];

    private delegate object Decoder(ReadOnlySpan<byte> input);

    private static FuzzTarget Record(string name, string decoder, Decoder decode) =>
        new(name, decoder, input =>
        {
            var bytes = input.ToArray();
            Refusals.Allow<FormatException>(() => decode(bytes));
        });
}
