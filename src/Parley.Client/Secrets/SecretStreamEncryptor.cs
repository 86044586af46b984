using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Parley.Client.Secrets;

/// <summary>
/// A read-only stream that seals a plaintext source as a v1 file stream (docs/secret-format.md §3)
/// while it is read, one 64 KiB chunk at a time: memory stays bounded whatever the size. The source
/// must yield exactly the declared number of bytes; if it yields fewer or more, reading fails with
/// <see cref="InvalidDataException"/> rather than produce a stream that disagrees with the manifest.
/// </summary>
public sealed class SecretStreamEncryptor : Stream
{
    private readonly Stream _source;
    private readonly bool _leaveOpen;
    private readonly AesGcm _gcm;
    private readonly byte[] _prefix = new byte[SecretFormat.StreamPrefixSize];
    private readonly byte[] _plain = new byte[SecretFormat.ChunkSize];
    private readonly byte[] _out = new byte[SecretFormat.SealedChunkSize];
    private readonly long _plaintextLength;
    private readonly long _chunkCount;
    private long _nextChunk;
    private int _outOffset;
    private int _outCount;
    private long _position;
    private bool _disposed;

    /// <summary>Seals <paramref name="plaintextLength"/> bytes read from <paramref name="source"/> under FK, with a fresh random prefix.</summary>
    public SecretStreamEncryptor(Stream source, long plaintextLength, ReadOnlySpan<byte> fileKey, bool leaveOpen = false)
        : this(source, plaintextLength, fileKey, RandomPrefix(), leaveOpen)
    {
    }

    internal SecretStreamEncryptor(Stream source, long plaintextLength, ReadOnlySpan<byte> fileKey, ReadOnlySpan<byte> prefix, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!source.CanRead)
        {
            throw new ArgumentException("The source must be readable.", nameof(source));
        }

        if (fileKey.Length != SecretFormat.KeySize)
        {
            throw new ArgumentException("The file key must be 32 bytes.", nameof(fileKey));
        }

        if (prefix.Length != SecretFormat.StreamPrefixSize)
        {
            throw new ArgumentException("The stream prefix must be 7 bytes.", nameof(prefix));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(plaintextLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(plaintextLength, SecretFormat.MaxStreamPlaintext);
        _source = source;
        _leaveOpen = leaveOpen;
        _plaintextLength = plaintextLength;
        _chunkCount = SecretFormat.ChunkCount(plaintextLength);
        _gcm = new AesGcm(fileKey, SecretFormat.TagSize);
        prefix.CopyTo(_prefix);
        _out[0] = SecretFormat.Version;
        prefix.CopyTo(_out.AsSpan(1));
        _outCount = SecretFormat.StreamHeaderSize;
    }

    /// <summary>Total ciphertext length: <see cref="SecretFormat.StreamLength"/> of the plaintext length.</summary>
    public override long Length => SecretFormat.StreamLength(_plaintextLength);

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override bool CanRead => !_disposed;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_outCount == 0)
        {
            if (_nextChunk == _chunkCount)
            {
                return 0;
            }

            var want = ChunkPlainLength(_nextChunk);
            var got = 0;
            while (got < want)
            {
                var n = _source.Read(_plain, got, want - got);
                if (n == 0)
                {
                    throw SourceMismatch();
                }

                got += n;
            }

            if (_nextChunk == _chunkCount - 1 && _source.Read(_plain, 0, 1) != 0)
            {
                throw SourceMismatch();
            }

            SealChunk(want);
        }

        return Drain(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_outCount == 0)
        {
            if (_nextChunk == _chunkCount)
            {
                return 0;
            }

            var want = ChunkPlainLength(_nextChunk);
            var got = 0;
            while (got < want)
            {
                var n = await _source.ReadAsync(_plain.AsMemory(got, want - got), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    throw SourceMismatch();
                }

                got += n;
            }

            if (_nextChunk == _chunkCount - 1 && await _source.ReadAsync(_plain.AsMemory(0, 1), cancellationToken).ConfigureAwait(false) != 0)
            {
                throw SourceMismatch();
            }

            SealChunk(want);
        }

        return Drain(buffer.Span);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (!_disposed && disposing)
        {
            _disposed = true;
            _gcm.Dispose();
            CryptographicOperations.ZeroMemory(_plain);
            if (!_leaveOpen)
            {
                _source.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    internal static void Nonce(ReadOnlySpan<byte> prefix, long index, bool last, Span<byte> nonce)
    {
        prefix.CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce.Slice(SecretFormat.StreamPrefixSize, 4), checked((uint)index));
        nonce[SecretFormat.NonceSize - 1] = last ? (byte)1 : (byte)0;
    }

    private int ChunkPlainLength(long index) =>
        (int)Math.Min(SecretFormat.ChunkSize, _plaintextLength - (index * SecretFormat.ChunkSize));

    private void SealChunk(int plainLength)
    {
        var last = _nextChunk == _chunkCount - 1;
        Span<byte> nonce = stackalloc byte[SecretFormat.NonceSize];
        Nonce(_prefix, _nextChunk, last, nonce);
        const int start = 0; // only called once everything before (the header, the previous chunk) was read
        _gcm.Encrypt(nonce, _plain.AsSpan(0, plainLength), _out.AsSpan(start, plainLength),
            _out.AsSpan(start + plainLength, SecretFormat.TagSize));
        CryptographicOperations.ZeroMemory(_plain.AsSpan(0, plainLength));
        _outOffset = 0;
        _outCount = start + plainLength + SecretFormat.TagSize;
        _nextChunk++;
    }

    private int Drain(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, _outCount - _outOffset);
        _out.AsSpan(_outOffset, n).CopyTo(buffer);
        _outOffset += n;
        _position += n;
        if (_outOffset == _outCount)
        {
            _outOffset = 0;
            _outCount = 0;
        }

        return n;
    }

    private static InvalidDataException SourceMismatch() =>
        new("The file data changed while it was being encrypted: its length no longer matches what was declared.");

    private static byte[] RandomPrefix() => RandomNumberGenerator.GetBytes(SecretFormat.StreamPrefixSize);
}
