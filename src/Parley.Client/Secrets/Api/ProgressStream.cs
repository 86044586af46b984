namespace Parley.Client.Secrets.Api;

/// <summary>
/// A read-only pass-through stream that reports the running byte count, optionally stops after
/// <c>limit</c> bytes, fails a read that stalls longer than an idle timeout, and can own the HTTP
/// response it reads from. Transport failures surface as <see cref="SecretsApiException"/> (Network), or
/// as what <c>failure</c> makes of them (the messaging client's own exception).
/// </summary>
internal sealed class ProgressStream(
    Stream inner,
    IProgress<long>? progress,
    bool leaveOpen,
    long limit = long.MaxValue,
    IDisposable? owner = null,
    TimeSpan? idleTimeout = null,
    Func<string, Exception, Exception>? failure = null) : Stream
{
    private readonly Func<string, Exception, Exception> _failure = failure ?? ((message, inner) => new SecretsApiException(ApiFailure.Network, message, inner));

    private long _total;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _total;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var max = (int)Math.Min(buffer.Length, limit - _total);
        if (max <= 0)
        {
            return 0;
        }

        int n;
        try
        {
            n = inner.Read(buffer[..max]);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw _failure("The connection failed during the transfer.", e);
        }

        return Count(n);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var max = (int)Math.Min(buffer.Length, limit - _total);
        if (max <= 0)
        {
            return 0;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (idleTimeout is { } t)
        {
            cts.CancelAfter(t);
        }

        int n;
        try
        {
            n = await inner.ReadAsync(buffer[..max], cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw _failure("The transfer stalled: no data arrived in time.", e);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw _failure("The connection failed during the transfer.", e);
        }

        return Count(n);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (!leaveOpen)
            {
                inner.Dispose();
            }

            owner?.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Count(int n)
    {
        if (n > 0)
        {
            _total += n;
            progress?.Report(_total);
        }

        return n;
    }
}
