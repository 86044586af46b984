namespace Parley.Crypto.Kem;

/// <summary>
/// Standard ML-KEM-1024 (FIPS 203) with explicit randomness, the seam where BouncyCastle could be
/// replaced by .NET's <c>MLKem</c> on platforms that support it (OpenSSL 3.5+).
/// </summary>
internal interface IMlKem1024
{
    /// <summary>ML-KEM.KeyGen_internal(d, z) from the 64-byte seed d ‖ z.</summary>
    void GenerateKeyPair(ReadOnlySpan<byte> seed, Span<byte> encapsulationKey, Span<byte> decapsulationKey);

    /// <summary>True when <paramref name="encapsulationKey"/> passes FIPS 203's modulus check.</summary>
    bool IsValidEncapsulationKey(ReadOnlySpan<byte> encapsulationKey);

    /// <summary>ML-KEM.Encaps_internal(ek, m): writes the ciphertext and K.</summary>
    void Encapsulate(ReadOnlySpan<byte> encapsulationKey, ReadOnlySpan<byte> m, Span<byte> ciphertext, Span<byte> sharedSecret);

    /// <summary>ML-KEM.Decaps(dk, c), including implicit rejection.</summary>
    void Decapsulate(ReadOnlySpan<byte> decapsulationKey, ReadOnlySpan<byte> ciphertext, Span<byte> sharedSecret);
}
