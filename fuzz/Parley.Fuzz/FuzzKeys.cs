using Parley.Crypto;

namespace Parley.Fuzz;

/// <summary>
/// Fixed keys shared by the harnesses and the seeds they are fuzzed from: a seed sealed with these
/// keys authenticates in the harness, so afl starts from inputs that reach past the MAC or tag.
/// </summary>
internal static class FuzzKeys
{
    public static readonly byte[] SecretKey = Filled(0x07);

    public static readonly byte[] RequesterPrivate = Filled(0x11);

    public static Curve25519PublicKey IdentityA { get; } = Curve25519PrivateKey.Import(Filled(0x21)).PublicKey;

    public static Curve25519PublicKey IdentityB { get; } = Curve25519PrivateKey.Import(Filled(0x22)).PublicKey;

    /// <summary>A 16-byte ACI-style stable id for safety numbers.</summary>
    public static byte[] Aci(byte n) => Filled(n, 16);

    private static byte[] Filled(byte value, int length = 32) => Enumerable.Repeat(value, length).ToArray();
}
