using System.Security.Cryptography;
using Parley.Crypto;

namespace Parley.Protocol.Tests.Support;

/// <summary>A reproducible byte stream (SHA-256 in counter mode over a seed) so test runs repeat exactly.</summary>
internal sealed class DeterministicRandom(string seed) : IRandomSource
{
    private readonly byte[] _seed = System.Text.Encoding.UTF8.GetBytes(seed);
    private readonly Lock _gate = new();
    private ulong _counter;

    public void Fill(Span<byte> destination)
    {
        Span<byte> block = stackalloc byte[32];
        Span<byte> input = stackalloc byte[_seed.Length + 8];
        _seed.CopyTo(input);
        lock (_gate)
        {
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
}
