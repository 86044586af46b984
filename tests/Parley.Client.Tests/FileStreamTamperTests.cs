using System.Security.Cryptography;
using CsCheck;
using Parley.Client.Secrets;

namespace Parley.Client.Tests;

/// <summary>Every way a sealed file stream can be cut, extended, reordered or modified is refused, and nothing is released as complete.</summary>
public sealed class FileStreamTamperTests
{
    private const int Chunk = SecretFormat.ChunkSize;
    private const int Sealed = SecretFormat.SealedChunkSize;
    private const int Header = SecretFormat.StreamHeaderSize;

    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    private static byte[] Plaintext(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    private static byte[] Seal(byte[] plaintext, byte[]? key = null)
    {
        using var encryptor = new SecretStreamEncryptor(new MemoryStream(plaintext), plaintext.Length, key ?? Key);
        var output = new MemoryStream();
        encryptor.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>Reads everything; returns what was released before the failure (or the whole plaintext).</summary>
    private static (byte[] Released, SecretFormatException? Error) Open(byte[] stream, long? expected, byte[]? key = null, int bufferSize = 4096)
    {
        using var decryptor = new SecretStreamDecryptor(new MemoryStream(stream), key ?? Key, expected);
        var released = new MemoryStream();
        var buffer = new byte[bufferSize];
        try
        {
            int n;
            while ((n = decryptor.Read(buffer)) > 0)
            {
                released.Write(buffer, 0, n);
            }

            decryptor.IsComplete.ShouldBeTrue();
            return (released.ToArray(), null);
        }
        catch (SecretFormatException e)
        {
            decryptor.IsComplete.ShouldBeFalse();
            return (released.ToArray(), e);
        }
    }

    private static void ShouldFail(byte[] stream, long? expected, params SecretFormatError[] allowed)
    {
        var (released, error) = Open(stream, expected);
        error.ShouldNotBeNull("the damaged stream opened");
        allowed.ShouldContain(error.Error);
        // What was released is a strict prefix of authenticated chunks: never the whole thing.
        (released.Length % Chunk).ShouldBe(0);
    }

    public static TheoryData<int> Lengths() => [0, 1, Chunk - 1, Chunk, Chunk + 1, (3 * Chunk) + 123, 4 * Chunk];

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Sealed_stream_round_trips_with_and_without_the_expected_length(int length)
    {
        var plaintext = Plaintext(length);
        var sealedStream = Seal(plaintext);
        sealedStream.Length.ShouldBe((int)SecretFormat.StreamLength(length));

        var (released, error) = Open(sealedStream, length);
        error.ShouldBeNull();
        released.ShouldBe(plaintext);
        Open(sealedStream, null).Released.ShouldBe(plaintext);
        SecretFormat.TryGetPlaintextLength(sealedStream.Length, out var n).ShouldBeTrue();
        n.ShouldBe(length);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Dropping_the_last_chunk_or_cutting_anywhere_is_refused(int length)
    {
        var sealedStream = Seal(Plaintext(length));
        var cuts = new HashSet<int> { 0, 1, Header - 1, Header, Header + 1, Header + 15, sealedStream.Length - 1, sealedStream.Length - 16 };
        for (var boundary = Header + Sealed; boundary < sealedStream.Length; boundary += Sealed)
        {
            cuts.Add(boundary); // at a chunk boundary: the new final chunk was sealed with flag 0
            cuts.Add(boundary + 1);
        }

        foreach (var cut in cuts.Where(c => c >= 0 && c < sealedStream.Length))
        {
            ShouldFail(sealedStream[..cut], null, SecretFormatError.Truncated, SecretFormatError.Unauthentic);
            ShouldFail(sealedStream[..cut], length, SecretFormatError.Truncated, SecretFormatError.Unauthentic);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(Sealed)]
    public void Appended_bytes_are_refused(int extra)
    {
        foreach (var length in new[] { 0, 10, Chunk, Chunk + 5 })
        {
            var sealedStream = Seal(Plaintext(length));
            var longer = sealedStream.Concat(RandomNumberGenerator.GetBytes(extra)).ToArray();
            ShouldFail(longer, null, SecretFormatError.Unauthentic, SecretFormatError.Truncated, SecretFormatError.TooLong);
            ShouldFail(longer, length, SecretFormatError.Unauthentic, SecretFormatError.Truncated, SecretFormatError.TooLong);
        }
    }

    [Fact]
    public void Appending_a_copy_of_the_last_chunk_is_refused()
    {
        var sealedStream = Seal(Plaintext((2 * Chunk) + 100));
        var lastChunk = sealedStream[(Header + (2 * Sealed))..];
        ShouldFail([.. sealedStream, .. lastChunk], null, SecretFormatError.Unauthentic, SecretFormatError.TooLong);
    }

    [Fact]
    public void Swapping_or_repeating_chunks_is_refused()
    {
        var sealedStream = Seal(Plaintext((3 * Chunk) + 7));
        byte[] ChunkAt(int i) => sealedStream[(Header + (i * Sealed))..Math.Min(sealedStream.Length, Header + ((i + 1) * Sealed))];
        var header = sealedStream[..Header];

        ShouldFail([.. header, .. ChunkAt(1), .. ChunkAt(0), .. ChunkAt(2), .. ChunkAt(3)], null, SecretFormatError.Unauthentic);
        ShouldFail([.. header, .. ChunkAt(0), .. ChunkAt(0), .. ChunkAt(2), .. ChunkAt(3)], null, SecretFormatError.Unauthentic);
        ShouldFail([.. header, .. ChunkAt(0), .. ChunkAt(2), .. ChunkAt(1), .. ChunkAt(3)], null, SecretFormatError.Unauthentic);
        ShouldFail([.. header, .. ChunkAt(0), .. ChunkAt(1), .. ChunkAt(3)], null, SecretFormatError.Unauthentic);
    }

    [Fact]
    public void A_chunk_from_another_stream_under_the_same_key_is_refused()
    {
        var a = Seal(Plaintext(2 * Chunk));
        var b = Seal(Plaintext(2 * Chunk));
        byte[] spliced = [.. a[..(Header + Sealed)], .. b[(Header + Sealed)..]];
        ShouldFail(spliced, null, SecretFormatError.Unauthentic);
    }

    [Fact]
    public void Every_modified_byte_region_is_refused()
    {
        var sealedStream = Seal(Plaintext((2 * Chunk) + 300));
        int[] positions = [1, 7, Header, Header + 100, Header + Sealed - 1, Header + Sealed, Header + (2 * Sealed) + 5, sealedStream.Length - 1];
        foreach (var position in positions)
        {
            var copy = (byte[])sealedStream.Clone();
            copy[position] ^= 0x01;
            ShouldFail(copy, null, SecretFormatError.Unauthentic);
        }
    }

    [Fact]
    public void Another_version_byte_is_refused()
    {
        var sealedStream = Seal(Plaintext(10));
        sealedStream[0] = 2;
        ShouldFail(sealedStream, null, SecretFormatError.UnsupportedVersion);
    }

    [Fact]
    public void The_wrong_key_is_refused()
    {
        var sealedStream = Seal(Plaintext(Chunk + 1));
        var (released, error) = Open(sealedStream, null, RandomNumberGenerator.GetBytes(32));
        error!.Error.ShouldBe(SecretFormatError.Unauthentic);
        released.ShouldBeEmpty();
    }

    [Fact]
    public void A_stream_longer_or_shorter_than_the_manifest_says_is_refused()
    {
        var plaintext = Plaintext((2 * Chunk) + 10);
        var sealedStream = Seal(plaintext);
        ShouldFail(sealedStream, plaintext.Length + 1, SecretFormatError.Truncated);
        ShouldFail(sealedStream, plaintext.Length - 1, SecretFormatError.TooLong);
        ShouldFail(sealedStream, Chunk, SecretFormatError.TooLong);
        ShouldFail(Seal([]), 1, SecretFormatError.Truncated);
    }

    [Fact]
    public void The_end_is_reported_only_after_the_last_chunk_authenticated()
    {
        var plaintext = Plaintext(Chunk + 10);
        var sealedStream = Seal(plaintext);
        sealedStream[^1] ^= 1; // corrupt the last chunk's tag
        using var decryptor = new SecretStreamDecryptor(new MemoryStream(sealedStream), Key, plaintext.Length);
        var buffer = new byte[Chunk];
        decryptor.ReadExactly(buffer); // the first chunk is authentic and released
        buffer.ShouldBe(plaintext[..Chunk]);
        Should.Throw<SecretFormatException>(() => decryptor.Read(buffer));
        decryptor.IsComplete.ShouldBeFalse();
        Should.Throw<SecretFormatException>(() => decryptor.Read(buffer)); // stays failed
    }

    [Fact]
    public async Task Async_reads_give_the_same_results()
    {
        var plaintext = Plaintext((2 * Chunk) + 33);
        var sealedStream = Seal(plaintext);
        await using var decryptor = new SecretStreamDecryptor(new MemoryStream(sealedStream), Key, plaintext.Length);
        var output = new MemoryStream();
        await decryptor.CopyToAsync(output, 5000, TestContext.Current.CancellationToken);
        output.ToArray().ShouldBe(plaintext);

        await using var encryptor = new SecretStreamEncryptor(new MemoryStream(plaintext), plaintext.Length, Key);
        var sealedAsync = new MemoryStream();
        await encryptor.CopyToAsync(sealedAsync, 3000, TestContext.Current.CancellationToken);
        Open(sealedAsync.ToArray(), plaintext.Length).Released.ShouldBe(plaintext);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public void A_source_that_disagrees_with_its_declared_length_is_not_sealed(int difference)
    {
        var plaintext = Plaintext(Chunk + 100);
        using var encryptor = new SecretStreamEncryptor(new MemoryStream(plaintext), plaintext.Length + difference, Key);
        Should.Throw<InvalidDataException>(() => encryptor.CopyTo(Stream.Null));
    }

    [Fact]
    public void Property_any_length_and_read_size_round_trips()
    {
        Gen.Select(Gen.Int[0, (3 * Chunk) + 10], Gen.Int[1, 70_000]).Sample((length, readSize) =>
        {
            var plaintext = Plaintext(length);
            var (released, error) = Open(Seal(plaintext), length, bufferSize: readSize);
            error.ShouldBeNull();
            released.ShouldBe(plaintext);
        }, iter: 40);
    }

    [Fact]
    public void Property_any_single_bit_flip_or_cut_is_refused()
    {
        var plaintext = Plaintext((2 * Chunk) + 1000);
        var sealedStream = Seal(plaintext);
        Gen.Select(Gen.Int[0, sealedStream.Length - 1], Gen.Int[0, 7]).Sample((position, bit) =>
        {
            var copy = (byte[])sealedStream.Clone();
            copy[position] ^= (byte)(1 << bit);
            Open(copy, plaintext.Length).Error.ShouldNotBeNull();
        }, iter: 200);
        Gen.Int[0, sealedStream.Length - 1].Sample(cut =>
            Open(sealedStream[..cut], null).Error.ShouldNotBeNull(), iter: 200);
    }

    [Theory]
    [InlineData(0L, 24L)]
    [InlineData(1L, 25L)]
    [InlineData(65536L, 65560L)]
    [InlineData(65537L, 65577L)]
    [InlineData(268435456L, 268501000L)]
    public void Stream_length_follows_the_formula(long plaintext, long expected)
    {
        SecretFormat.StreamLength(plaintext).ShouldBe(expected);
        SecretFormat.TryGetPlaintextLength(expected, out var back).ShouldBeTrue();
        back.ShouldBe(plaintext);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(8L)]
    [InlineData(23L)]
    [InlineData(65561L)]
    [InlineData(65560L + 1 + 15)]
    public void Impossible_stream_lengths_are_recognized(long streamLength) =>
        SecretFormat.TryGetPlaintextLength(streamLength, out _).ShouldBeFalse();
}
