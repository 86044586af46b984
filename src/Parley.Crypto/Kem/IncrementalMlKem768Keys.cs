using System.Security.Cryptography;

namespace Parley.Crypto.Kem;

/// <summary>
/// Secret bytes in a pinned buffer, zeroed on <see cref="Dispose"/> or, if never disposed, when
/// collected. The base of incremental ML-KEM-768's secret types; <c>ToString()</c> shows no secret.
/// </summary>
public abstract class PinnedSecret : IDisposable
{
    private readonly byte[] _bytes;
    private bool _disposed;

    private protected PinnedSecret(ReadOnlySpan<byte> bytes, int expectedLength, string parameterName)
    {
        if (bytes.Length != expectedLength)
        {
            throw new ArgumentException($"Expected {expectedLength} bytes.", parameterName);
        }

        _bytes = GC.AllocateArray<byte>(expectedLength, pinned: true);
        bytes.CopyTo(_bytes);
    }

    /// <summary>The length of <see cref="Export"/>'s output.</summary>
    public int Length => _bytes.Length;

    internal ReadOnlySpan<byte> Bytes
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _bytes;
        }
    }

    /// <summary>Copies the secret into <paramref name="destination"/> (for a host's encrypted store).</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="Length"/>.</exception>
    public void Export(Span<byte> destination)
    {
        if (destination.Length < _bytes.Length)
        {
            throw new ArgumentException($"Need {_bytes.Length} bytes.", nameof(destination));
        }

        Bytes.CopyTo(destination);
    }

    ~PinnedSecret() => CryptographicOperations.ZeroMemory(_bytes);

    public void Dispose()
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(_bytes);
            _disposed = true;
            GC.SuppressFinalize(this);
        }
    }

    public override string ToString() => $"{GetType().Name}({_bytes.Length} bytes)";
}

/// <summary>A standard FIPS 203 ML-KEM-768 decapsulation key (2,400 bytes).</summary>
public sealed class MlKem768DecapsulationKey : PinnedSecret
{
    /// <exception cref="ArgumentException">Not 2,400 bytes.</exception>
    public MlKem768DecapsulationKey(ReadOnlySpan<byte> key)
        : base(key, IncrementalMlKem768.DecapsulationKeySize, nameof(key))
    {
    }
}

/// <summary>
/// What the encapsulating side keeps between <see cref="IncrementalMlKem768.Encapsulate1(ReadOnlySpan{byte}, IRandomSource, Span{byte}, Span{byte})"/>
/// and <see cref="IncrementalMlKem768.Encapsulate2"/>: the encapsulation's message m and H(ek) (64
/// bytes; Parley's own format, not libcrux's). Secret: with it the shared secret can be recomputed.
/// </summary>
public sealed class MlKem768EncapsulationState : PinnedSecret
{
    /// <exception cref="ArgumentException">Not 64 bytes.</exception>
    public MlKem768EncapsulationState(ReadOnlySpan<byte> state)
        : base(state, IncrementalMlKem768.EncapsulationStateSize, nameof(state))
    {
    }
}
