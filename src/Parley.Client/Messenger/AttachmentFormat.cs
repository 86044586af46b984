using System.Security.Cryptography;
using Parley.Client.Secrets;

namespace Parley.Client.Messenger;

/// <summary>
/// How an attachment's bytes are sealed (docs/messenger.md, "Attachments"): the file, then zero bytes up
/// to its padded length, as one v1 file stream of the secret format (docs/secret-format.md §3) under a
/// fresh random 32-byte key. Padding follows Padmé (at least 256 bytes), so the server learns the
/// size only roughly: at most 12 % is added. SHA-256 of the file travels in the message and is
/// checked, in constant time, after the whole stream authenticated.
/// </summary>
public static class AttachmentFormat
{
    public const int MinPaddedLength = 256;

    /// <summary>The plaintext length a file of <paramref name="size"/> bytes is sealed at.</summary>
    public static long PaddedLength(long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (size <= MinPaddedLength)
        {
            return MinPaddedLength;
        }

        // Padmé: keep the top bits that say the order of magnitude and its own magnitude; round the rest up.
        var e = 63 - (int)long.LeadingZeroCount(size);
        var s = 32 - int.LeadingZeroCount(e);
        var mask = (1L << (e - s)) - 1;
        return (size + mask) & ~mask;
    }

    /// <summary>The sealed length the server stores for a file of <paramref name="size"/> bytes.</summary>
    public static long SealedLength(long size) => SecretFormat.StreamLength(PaddedLength(size));

    /// <summary>The largest file whose sealed length is at most <paramref name="maxSealed"/> bytes; -1 when not even an empty file fits.</summary>
    public static long LargestFile(long maxSealed)
    {
        if (maxSealed < SealedLength(0))
        {
            return -1;
        }

        // SealedLength grows with the size: the largest size that fits, by bisection.
        long fits = 0, tooLarge = Math.Min(maxSealed, AttachmentContent.MaxSize) + 1;
        while (tooLarge - fits > 1)
        {
            var middle = fits + ((tooLarge - fits) / 2);
            if (SealedLength(middle) <= maxSealed)
            {
                fits = middle;
            }
            else
            {
                tooLarge = middle;
            }
        }

        return fits;
    }

    /// <summary>
    /// A stream of the sealed bytes of <paramref name="size"/> bytes read from <paramref name="file"/>, and
    /// the SHA-256 of exactly what was sealed, to ask for once the stream has been read to its end (it is
    /// computed on another thread as the bytes pass).
    /// </summary>
    public static (Stream Sealed, Func<Task<byte[]>> Digest) Seal(Stream file, long size, ReadOnlySpan<byte> key)
    {
        var source = new HashingSource(file, size, PaddedLength(size));
        return (new SecretStreamEncryptor(source, source.Length, key, leaveOpen: false), source.DigestAsync);
    }

    /// <summary>
    /// The file's bytes from a sealed stream: exactly <paramref name="size"/> bytes, then the end. The
    /// end is reported only after the whole stream authenticated, its padding is zeros and the file's
    /// SHA-256 matches <paramref name="sha256"/>; otherwise reading throws <see cref="SecretFormatException"/>.
    /// </summary>
    public static Stream Open(Stream sealedStream, ReadOnlySpan<byte> key, long size, byte[] sha256) =>
        new VerifiedPlaintext(new SecretStreamDecryptor(sealedStream, key, PaddedLength(size)), size, sha256);

    /// <summary>The file's bytes (hashed as they pass, and checked to be exactly as long as declared), then zeros.</summary>
    private sealed class HashingSource(Stream file, long size, long padded) : ReadOnlyStream
    {
        private readonly BackgroundSha256 _hash = new();
        private long _position;

        public override long Length => padded;

        public Task<byte[]> DigestAsync() =>
            _position >= size ? _hash.FinishAsync() : throw new InvalidOperationException("The file was not read to its end.");

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position < size)
            {
                var n = await file.ReadAsync(buffer[..(int)Math.Min(buffer.Length, size - _position)], cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new InvalidDataException("The file got shorter while it was being sent.");
                }

                await _hash.AppendAsync(buffer[..n], cancellationToken).ConfigureAwait(false);
                return Advance(n);
            }

            var zeros = (int)Math.Min(buffer.Length, padded - _position);
            buffer.Span[..zeros].Clear();
            return Advance(zeros);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
                file.Dispose();
            }

            base.Dispose(disposing);
        }

        private int Advance(int n)
        {
            _position += n;
            return n;
        }
    }

    /// <summary>The first <c>size</c> plaintext bytes; the end only once padding, authentication and digest all check out.</summary>
    private sealed class VerifiedPlaintext(SecretStreamDecryptor inner, long size, byte[] sha256) : ReadOnlyStream
    {
        private readonly BackgroundSha256 _hash = new();
        private readonly byte[] _rest = new byte[64 * 1024];
        private long _position;
        private bool _verified;

        public override long Length => size;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position < size)
            {
                var n = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, size - _position)], cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new SecretFormatException(SecretFormatError.Truncated, "The file's stream ended before the file did.");
                }

                await _hash.AppendAsync(buffer[..n], cancellationToken).ConfigureAwait(false);
                _position += n;
                return n;
            }

            if (!_verified)
            {
                int n;
                while ((n = await inner.ReadAsync(_rest, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    if (_rest.AsSpan(0, n).ContainsAnyExcept((byte)0))
                    {
                        throw new SecretFormatException(SecretFormatError.Unauthentic, "The file's padding is not zeros.");
                    }
                }

                // The decryptor reported its end: every chunk authenticated. Now the file itself.
                var digest = await _hash.FinishAsync().ConfigureAwait(false);
                if (!CryptographicOperations.FixedTimeEquals(digest, sha256))
                {
                    throw new SecretFormatException(SecretFormatError.Unauthentic, "The file does not match the SHA-256 its message carries.");
                }

                _verified = true;
            }

            return 0;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>A forward-only, read-only stream whose subclasses implement <see cref="ReadAsync(Memory{byte}, CancellationToken)"/> only.</summary>
    private abstract class ReadOnlyStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
