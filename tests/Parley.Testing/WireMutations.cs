namespace Parley.Testing;

/// <summary>
/// Mutated variants of wire messages for decoder tests: random changes plus crafted protobuf oddities
/// (unknown fields of every wire type, groups nested to and past prost's limit, overlong varints, field
/// numbers at and past 2^29, wrong wire types, duplicate fields, huge lengths, other version bytes).
/// Deterministic for a given <see cref="Random"/>.
/// </summary>
public static class WireMutations
{
    /// <summary>
    /// The seeds, then variants of each: random byte changes, truncations, insertions, crafted protobuf
    /// fragments placed before the last <paramref name="tailLength"/> bytes (a MAC or a signature),
    /// and other version bytes.
    /// </summary>
    public static IEnumerable<byte[]> Of(IReadOnlyList<byte[]> seeds, int tailLength, Random random)
    {
        foreach (var seed in seeds)
        {
            yield return seed;
            var bodyEnd = seed.Length - tailLength;

            for (var n = 0; n < 400; n++)
            {
                var copy = seed.ToArray();
                for (var k = random.Next(1, 3); k > 0; k--)
                {
                    copy[random.Next(copy.Length)] = (byte)random.Next(256);
                }

                yield return copy;
            }

            for (var n = 0; n < 100; n++)
            {
                yield return seed[..random.Next(seed.Length)];
            }

            for (var n = 0; n < 150; n++)
            {
                var at = random.Next(1, bodyEnd + 1);
                var extra = new byte[random.Next(1, 5)];
                random.NextBytes(extra);
                yield return [.. seed[..at], .. extra, .. seed[at..]];
            }

            // Crafted protobuf, appended to the protobuf part (before a MAC or signature).
            foreach (var fragment in CraftedFragments(seed, bodyEnd))
            {
                yield return [.. seed[..bodyEnd], .. fragment, .. seed[bodyEnd..]];
            }

            // The version byte.
            foreach (var first in new byte[] { 0x00, 0x04, 0x14, 0x24, 0x33, 0x34, 0x3F, 0x43, 0x44, 0x45, 0x4F, 0x54, 0xF4, 0xC0 })
            {
                yield return [first, .. seed[1..]];
            }
        }
    }

    private static IEnumerable<byte[]> CraftedFragments(byte[] seed, int bodyEnd)
    {
        byte[] tenByteVarint(byte last) => [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, last];

        yield return [0x78, 0x01];                                      // unknown varint field 15
        yield return [0x49, 1, 2, 3, 4, 5, 6, 7, 8];                    // unknown fixed64 field 9
        yield return [0x4D, 1, 2, 3, 4];                                // unknown fixed32 field 9
        yield return [0x4D, 1, 2];                                      // truncated fixed32
        yield return [0x52, 0x02, 0xAA, 0xBB];                          // unknown bytes field 10
        yield return [0x52, 0x7F];                                      // length past the end
        yield return [0x52, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F];              // huge length
        yield return [0x52, .. tenByteVarint(0x01)];                    // absurd 10-byte length
        yield return [0x4B, 0x4C];                                      // empty group, field 9
        yield return [0x4B, 0x08, 0x01, 0x12, 0x01, 0x00, 0x4C];        // group with fields inside
        yield return [0x4B, 0x53, 0x54, 0x4C];                          // nested groups
        yield return [0x4B, 0x54];                                      // group closed by another field's end
        yield return [0x4C];                                            // end group without a start
        yield return [0x4B, 0x08, 0x01];                                // unterminated group
        yield return [0x0B, 0x0C];                                      // group in a known field's number
        yield return [.. Enumerable.Repeat((byte)0x4B, 100), .. Enumerable.Repeat((byte)0x4C, 100)]; // groups nested 100 deep
        yield return [.. Enumerable.Repeat((byte)0x4B, 101), .. Enumerable.Repeat((byte)0x4C, 101)]; // and 101 deep
        yield return [.. Enumerable.Repeat((byte)0x4B, 99), 0x08, 0x01, .. Enumerable.Repeat((byte)0x4C, 99)]; // a field 100 levels down
        yield return [.. Enumerable.Repeat((byte)0x4B, 100), 0x08, 0x01, .. Enumerable.Repeat((byte)0x4C, 100)]; // and 101 levels down
        yield return [0x4E];                                            // wire type 6
        yield return [0x4F];                                            // wire type 7
        yield return [0x00, 0x00];                                      // field 0, varint
        yield return [0x02, 0x00];                                      // field 0, bytes
        yield return [0xF8, 0xFF, 0xFF, 0xFF, 0x0F, 0x00];              // field 2^29 − 1, the largest allowed
        yield return [0x80, 0x80, 0x80, 0x80, 0x10, 0x00];              // field 2^29
        yield return [0xF8, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00];        // tag above 2^32
        yield return [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00]; // tag of 2^63
        yield return [0x10, .. tenByteVarint(0x01)];                    // field 2, 10-byte varint, last byte 1
        yield return [0x10, .. tenByteVarint(0x02)];                    // field 2, 10-byte varint, last byte 2
        yield return [0x10, .. tenByteVarint(0x80), 0x00];              // field 2, 11-byte varint
        yield return [0x10, 0x85, 0x80, 0x00];                          // field 2, non-minimal varint
        yield return [0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F];              // field 2 above 2^32 (truncated to u32)
        yield return [0x18, 0x07];                                      // field 3 again
        yield return [0x12, 0x01, 0x05];                                // field 2 as bytes
        yield return [0x08, 0x01];                                      // field 1 as a varint
        yield return [0x20, 0x01];                                      // field 4 as a varint
        yield return [0x22, 0x00];                                      // field 4 empty
        yield return [0x0A, 0x00];                                      // field 1 empty
        yield return [0x0A, 0x21, 0x05, .. new byte[32]];               // field 1: a zero key
        yield return [0x0A, 0x21, 0x06, .. new byte[32]];               // field 1: wrong key type
        yield return [0x0A, 0x20, .. new byte[32]];                     // field 1: 32 bytes
        yield return [0x0A, 0x22, 0x05, .. new byte[33]];               // field 1: 34 bytes
        yield return [0x0A, 0x10, .. new byte[16]];                     // field 1: 16 bytes (a UUID's length)
        yield return [0x0A, 0x11, .. new byte[17]];                     // field 1: 17 bytes
        yield return [0x2A, 0x00];                                      // field 5 empty
        yield return [0x32, 0x00];                                      // field 6 empty
        yield return [0x38, 0x01];                                      // field 7 as a varint
        yield return [0x42, 0x01, 0x08];                                // field 8: one byte
        yield return [0x22, 0x20, .. new byte[32]];                     // field 4: 32 bytes
        yield return [0x2A, 0x21, 0x05, .. new byte[32]];               // field 5: a key-shaped value
        yield return seed[1..bodyEnd];                                  // every field twice
    }
}
