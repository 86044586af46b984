using Parley.Crypto;
using Parley.Protocol.Fingerprints;

namespace Parley.Fuzz;

/// <summary>
/// The scannable safety number another device shows: <see cref="SafetyNumber.CompareScannable"/>
/// documents that it never throws (unreadable input is <see cref="ScanResult.Unreadable"/>).
/// </summary>
internal static class FingerprintTarget
{
    // Two iterations (libsignal's minimum) keep start-up cheap; the parser does not depend on the count.
    private static readonly Lazy<SafetyNumber> Ours = new(() => Create(FuzzKeys.IdentityA, FuzzKeys.IdentityB));

    public static FuzzTarget Create() =>
        new("scannable-fingerprint", "SafetyNumber.CompareScannable", input => Ours.Value.CompareScannable(input));

    /// <summary>The safety number the seeds encode (the other side's view gives a matching scan).</summary>
    public static SafetyNumber Create(Curve25519PublicKey local, Curve25519PublicKey remote) =>
        SafetyNumber.Create(2, 2, FuzzKeys.Aci(1), local, FuzzKeys.Aci(2), remote);
}
