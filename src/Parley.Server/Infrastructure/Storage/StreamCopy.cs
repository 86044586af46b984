using System.Buffers;

namespace Parley.Server.Infrastructure.Storage;

internal enum CopyOutcome
{
    Complete,
    Truncated,
    TooLong,
}

/// <summary>The upload loop every store of streamed content shares (secrets, blobs): exactly N bytes, through a pooled buffer, never the whole stream.</summary>
internal static class StreamCopy
{
    /// <summary>
    /// Reads exactly <paramref name="length"/> bytes from <paramref name="source"/> in blocks of up to
    /// <paramref name="blockSize"/> and hands each to <paramref name="sink"/> (at its stream offset); then
    /// checks that the source has nothing more. A source that fails while reading counts as truncated.
    /// </summary>
    public static async ValueTask<CopyOutcome> CopyExactAsync<TState>(Stream source, long offset, long length, int blockSize,
        TState state, Func<TState, long, ReadOnlyMemory<byte>, CancellationToken, ValueTask> sink, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(blockSize);
        try
        {
            var done = 0L;
            while (done < length)
            {
                var want = (int)Math.Min(blockSize, length - done);
                int read;
                try
                {
                    read = await source.ReadAtLeastAsync(buffer.AsMemory(0, want), want, throwOnEndOfStream: false, cancellationToken);
                }
                catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
                {
                    return CopyOutcome.TooLong;
                }
                catch (Exception e) when (e is IOException or BadHttpRequestException or OperationCanceledException)
                {
                    return CopyOutcome.Truncated;
                }

                if (read > 0)
                {
                    await sink(state, offset + done, buffer.AsMemory(0, read), cancellationToken);
                    done += read;
                }

                if (read < want)
                {
                    return CopyOutcome.Truncated;
                }
            }

            try
            {
                var extra = await source.ReadAsync(buffer.AsMemory(0, 1), cancellationToken);
                return extra == 0 ? CopyOutcome.Complete : CopyOutcome.TooLong;
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return CopyOutcome.TooLong;
            }
            catch (Exception e) when (e is IOException or BadHttpRequestException or OperationCanceledException)
            {
                return CopyOutcome.Truncated;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Copies <paramref name="length"/> bytes of the file at <paramref name="path"/>, from <paramref name="offset"/>,
    /// to <paramref name="destination"/> in blocks of up to <paramref name="blockSize"/> through a pooled buffer.
    /// False when the file is gone (deleted meanwhile); an <see cref="IOException"/> when it is shorter than its record says.
    /// </summary>
    public static async ValueTask<bool> CopyFileRangeAsync(string path, long offset, long length, Stream destination, int blockSize,
        CancellationToken cancellationToken)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete,
                bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (FileNotFoundException)
        {
            return false;
        }

        await using (file)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(blockSize);
            try
            {
                for (long position = offset, end = offset + length; position < end;)
                {
                    var read = await RandomAccess.ReadAsync(file.SafeFileHandle, buffer.AsMemory(0, (int)Math.Min(blockSize, end - position)),
                        position, cancellationToken);
                    if (read == 0)
                    {
                        throw new IOException("The file is shorter than its record.");
                    }

                    await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    position += read;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        return true;
    }
}
