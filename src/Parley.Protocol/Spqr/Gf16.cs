namespace Parley.Protocol.Spqr;

/// <summary>
/// GF(2^16) with the reduction polynomial x^16 + x^12 + x^3 + x + 1 (0x1100B), the field of SPQR's
/// erasure code (spqr <c>encoding/gf.rs</c>). Addition is XOR; multiplication uses logarithm tables
/// over the generator x, which is fine here because everything this field encodes (headers,
/// encapsulation keys, ciphertexts, MACs) is public on the wire.
/// </summary>
internal static class Gf16
{
    public const int Polynomial = 0x1100B;

    private const int Order = 65535;

    private static readonly ushort[] Exp = new ushort[2 * Order];
    private static readonly int[] Log = new int[65536];

    static Gf16()
    {
        var x = 1;
        for (var i = 0; i < Order; i++)
        {
            Exp[i] = (ushort)x;
            Exp[i + Order] = (ushort)x;
            Log[x] = i;
            x <<= 1;
            if ((x & 0x10000) != 0)
            {
                x ^= Polynomial;
            }
        }
    }

    public static ushort Multiply(ushort a, ushort b) =>
        a == 0 || b == 0 ? (ushort)0 : Exp[Log[a] + Log[b]];

    /// <summary>a / b; dividing by zero gives zero, as in spqr.</summary>
    public static ushort Divide(ushort a, ushort b) =>
        a == 0 || b == 0 ? (ushort)0 : Exp[Log[a] + Order - Log[b]];
}
