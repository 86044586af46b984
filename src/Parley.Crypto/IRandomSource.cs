using System.Security.Cryptography;

namespace Parley.Crypto;

/// <summary>
/// Where key generation, nonces and signatures get their randomness. Production code uses
/// <see cref="SystemRandomSource.Instance"/>; tests inject a deterministic source so transcripts
/// can be reproduced.
/// </summary>
public interface IRandomSource
{
    /// <summary>Fills <paramref name="destination"/> with random bytes.</summary>
    void Fill(Span<byte> destination);
}

/// <summary>The operating system's cryptographically secure generator.</summary>
public sealed class SystemRandomSource : IRandomSource
{
    public static SystemRandomSource Instance { get; } = new();

    private SystemRandomSource()
    {
    }

    public void Fill(Span<byte> destination) => RandomNumberGenerator.Fill(destination);

    public override string ToString() => nameof(SystemRandomSource);
}
