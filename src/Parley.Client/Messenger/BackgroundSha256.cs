using System.Buffers;
using System.Security.Cryptography;
using System.Threading.Channels;

namespace Parley.Client.Messenger;

/// <summary>
/// SHA-256 of the bytes that pass through a transfer, computed on a thread of its own while the transfer
/// goes on, so that hashing takes another core's time rather than the transfer's. Each block is copied
/// into a pooled buffer (cleared when it goes back) and hashed in order; at most <see cref="Depth"/>
/// blocks wait, so memory stays bounded and a slow hash slows the transfer instead of queueing it.
/// </summary>
internal sealed class BackgroundSha256 : IDisposable
{
    private const int Depth = 8;

    private readonly Channel<(byte[] Block, int Length)> _blocks =
        Channel.CreateBounded<(byte[] Block, int Length)>(new BoundedChannelOptions(Depth) { SingleReader = true, SingleWriter = true });

    private readonly Task<byte[]> _digest;

    public BackgroundSha256() => _digest = Task.Run(HashAsync);

    /// <summary>Queues a copy of <paramref name="data"/> to be hashed after everything queued before it.</summary>
    public ValueTask AppendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var block = ArrayPool<byte>.Shared.Rent(data.Length);
        data.Span.CopyTo(block);
        return _blocks.Writer.WriteAsync((block, data.Length), cancellationToken);
    }

    /// <summary>The SHA-256 of everything appended; append nothing after this.</summary>
    public Task<byte[]> FinishAsync()
    {
        _blocks.Writer.TryComplete();
        return _digest;
    }

    public void Dispose() => _blocks.Writer.TryComplete(); // the hashing task drains what is queued and ends

    private async Task<byte[]> HashAsync()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await foreach (var (block, length) in _blocks.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            hash.AppendData(block, 0, length);
            ArrayPool<byte>.Shared.Return(block, clearArray: true);
        }

        return hash.GetHashAndReset();
    }
}
