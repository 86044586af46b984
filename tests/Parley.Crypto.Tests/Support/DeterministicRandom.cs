using System.Security.Cryptography;

namespace Parley.Crypto.Tests.Support;

/// <summary>A reproducible byte stream (SHA-256 in counter mode over a seed) for deterministic tests.</summary>
internal sealed class DeterministicRandom(string seed) : IRandomSource
{
    private readonly byte[] _seed = System.Text.Encoding.UTF8.GetBytes(seed);
    private ulong _counter;

    public void Fill(Span<byte> destination)
    {
        Span<byte> block = stackalloc byte[32];
        Span<byte> input = stackalloc byte[_seed.Length + 8];
        _seed.CopyTo(input);
        while (!destination.IsEmpty)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(input[_seed.Length..], _counter++);
            SHA256.HashData(input, block);
            var n = Math.Min(block.Length, destination.Length);
            block[..n].CopyTo(destination);
            destination = destination[n..];
        }
    }
}

/// <summary>Hands out exactly the bytes it was given, then fails: pins down what an algorithm draws.</summary>
internal sealed class FixedRandom(byte[] bytes) : IRandomSource
{
    private int _offset;

    public void Fill(Span<byte> destination)
    {
        if (_offset + destination.Length > bytes.Length)
        {
            throw new InvalidOperationException("More randomness requested than the test provided.");
        }

        bytes.AsSpan(_offset, destination.Length).CopyTo(destination);
        _offset += destination.Length;
    }
}
