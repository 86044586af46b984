using System.Security.Cryptography;

namespace Parley.Client.Secrets;

/// <summary>
/// A read-only stream that opens a v1 file stream (docs/secret-format.md §3) while it is read, one
/// chunk at a time, in bounded memory. Each chunk is authenticated before any of its plaintext is
/// returned; the end of the stream (a read returning 0) is reported only after the last chunk, its
/// last-chunk flag and the total length have all verified. Truncation, reordering, appended bytes
/// and modification throw <see cref="SecretFormatException"/>: a reader that already wrote
/// plaintext somewhere must then discard it.
/// </summary>
public sealed class SecretStreamDecryptor : Stream
{
    private readonly Stream _source;
    private readonly bool _leaveOpen;
    private readonly AesGcm _gcm;
    private readonly long? _expectedPlaintext;
    private readonly byte[] _prefix = new byte[SecretFormat.StreamPrefixSize];

    // One sealed chunk plus one look-ahead byte: a chunk is the last exactly when nothing follows it.
    private readonly byte[] _in = new byte[SecretFormat.SealedChunkSize + 1];
    private readonly byte[] _plain = new byte[SecretFormat.ChunkSize];
    private int _inCount;
    private bool _headerRead;
    private bool _sourceEnded;
    private bool _finished;
    private long _nextChunk;
    private long _plaintextSoFar;
    private int _plainOffset;
    private int _plainCount;
    private bool _failed;
    private bool _disposed;

    /// <param name="source">The sealed stream.</param>
    /// <param name="fileKey">FK.</param>
    /// <param name="expectedPlaintextLength">The sum of the manifest's file sizes, when known: the stream must carry exactly that much.</param>
    /// <param name="leaveOpen">Leave <paramref name="source"/> open on dispose.</param>
    public SecretStreamDecryptor(Stream source, ReadOnlySpan<byte> fileKey, long? expectedPlaintextLength = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (fileKey.Length != SecretFormat.KeySize)
        {
            throw new ArgumentException("The file key must be 32 bytes.", nameof(fileKey));
        }

        if (expectedPlaintextLength is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(expectedPlaintextLength));
        }

        _source = source;
        _leaveOpen = leaveOpen;
        _expectedPlaintext = expectedPlaintextLength;
        _gcm = new AesGcm(fileKey, SecretFormat.TagSize);
    }

    /// <summary>Plaintext bytes authenticated and returned so far.</summary>
    public long PlaintextRead => _plaintextSoFar - (_plainCount - _plainOffset);

    /// <summary>True once the whole stream has authenticated (a read returned 0).</summary>
    public bool IsComplete => _finished && _plainCount == 0;

    public override bool CanRead => !_disposed;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => PlaintextRead;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        Check();
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (_plainCount == 0 && !_finished)
        {
            while (!_sourceEnded && _inCount < _in.Length)
            {
                var n = _source.Read(_in, _inCount, _in.Length - _inCount);
                if (n == 0)
                {
                    _sourceEnded = true;
                }

                _inCount += n;
            }

            Guarded(ProcessInput);
        }

        return Drain(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Check();
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (_plainCount == 0 && !_finished)
        {
            while (!_sourceEnded && _inCount < _in.Length)
            {
                var n = await _source.ReadAsync(_in.AsMemory(_inCount, _in.Length - _inCount), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    _sourceEnded = true;
                }

                _inCount += n;
            }

            Guarded(ProcessInput);
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

    // Called with _in full (a chunk plus a look-ahead byte) or with the source at its end.
    private void ProcessInput()
    {
        if (!_headerRead)
        {
            if (_inCount < SecretFormat.StreamHeaderSize)
            {
                throw new SecretFormatException(SecretFormatError.Truncated, "The file stream ended inside its header.");
            }

            if (_in[0] != SecretFormat.Version)
            {
                throw new SecretFormatException(SecretFormatError.UnsupportedVersion, "The file stream has an unsupported format version.");
            }

            _in.AsSpan(1, SecretFormat.StreamPrefixSize).CopyTo(_prefix);
            Consume(SecretFormat.StreamHeaderSize);
            _headerRead = true;
            return; // refill before the first chunk
        }

        var last = _sourceEnded && _inCount <= SecretFormat.SealedChunkSize;
        var sealedLength = last ? _inCount : SecretFormat.SealedChunkSize;
        if (sealedLength < SecretFormat.TagSize)
        {
            throw new SecretFormatException(SecretFormatError.Truncated, "The file stream ended inside a chunk.");
        }

        if (_nextChunk > uint.MaxValue)
        {
            throw new SecretFormatException(SecretFormatError.TooLong, "The file stream has more chunks than the format allows.");
        }

        var plainLength = sealedLength - SecretFormat.TagSize;
        if (_expectedPlaintext is { } expected)
        {
            var after = _plaintextSoFar + plainLength;
            if (after > expected || (!last && after == expected))
            {
                throw new SecretFormatException(SecretFormatError.TooLong, "The file stream carries more data than its manifest describes.");
            }
        }

        Span<byte> nonce = stackalloc byte[SecretFormat.NonceSize];
        SecretStreamEncryptor.Nonce(_prefix, _nextChunk, last, nonce);
        try
        {
            _gcm.Decrypt(nonce, _in.AsSpan(0, plainLength), _in.AsSpan(plainLength, SecretFormat.TagSize), _plain.AsSpan(0, plainLength));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new SecretFormatException(SecretFormatError.Unauthentic,
                "The file stream failed authentication: it was modified, reordered, truncated or extended.");
        }

        Consume(sealedLength);
        _nextChunk++;
        _plaintextSoFar += plainLength;
        _plainOffset = 0;
        _plainCount = plainLength;
        if (last)
        {
            if (_expectedPlaintext is { } total && _plaintextSoFar != total)
            {
                throw new SecretFormatException(SecretFormatError.Truncated, "The file stream is shorter than its manifest describes.");
            }

            _finished = true;
        }
    }

    private void Consume(int count)
    {
        _in.AsSpan(count, _inCount - count).CopyTo(_in);
        _inCount -= count;
    }

    private int Drain(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, _plainCount - _plainOffset);
        _plain.AsSpan(_plainOffset, n).CopyTo(buffer);
        _plainOffset += n;
        if (_plainOffset == _plainCount)
        {
            CryptographicOperations.ZeroMemory(_plain.AsSpan(0, _plainCount));
            _plainOffset = 0;
            _plainCount = 0;
        }

        return n;
    }

    private void Guarded(Action step)
    {
        try
        {
            step();
        }
        catch
        {
            _failed = true;
            CryptographicOperations.ZeroMemory(_plain);
            throw;
        }
    }

    private void Check()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failed)
        {
            throw new SecretFormatException(SecretFormatError.Unauthentic, "The file stream already failed to open.");
        }
    }
}
