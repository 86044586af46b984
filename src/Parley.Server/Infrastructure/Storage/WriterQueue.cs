namespace Parley.Server.Infrastructure.Storage;

/// <summary>
/// The queue between the callers of a group commit and the one thread that writes. The writer blocks on
/// it, and a caller's <see cref="Add"/> wakes that thread directly: a wake-up that went through the thread
/// pool would wait behind every queued socket read and send on a busy core, and that wait was most of a
/// write's latency at 1,000 relay pairs on one core (docs/benchmarks.md).
/// </summary>
internal sealed class WriterQueue<T>
{
    private readonly object _gate = new(); // Monitor, for Wait and Pulse
    private readonly Queue<T> _items = new();
    private bool _closed;

    /// <summary>Queues an item for the writer; false once <see cref="Close"/> was called.</summary>
    public bool Add(T item)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }

            _items.Enqueue(item);
            if (_items.Count == 1)
            {
                Monitor.Pulse(_gate); // the writer waits only while the queue is empty
            }

            return true;
        }
    }

    /// <summary>
    /// Waits for at least one item and moves up to <paramref name="max"/> into <paramref name="batch"/>;
    /// false when the queue is closed and empty (what was queued before closing is still handed out).
    /// </summary>
    public bool TakeBatch(List<T> batch, int max)
    {
        lock (_gate)
        {
            while (_items.Count == 0)
            {
                if (_closed)
                {
                    return false;
                }

                Monitor.Wait(_gate);
            }

            while (batch.Count < max && _items.TryDequeue(out var item))
            {
                batch.Add(item);
            }

            return true;
        }
    }

    /// <summary>Refuses further items and wakes the writer so that it can finish what is queued.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            Monitor.PulseAll(_gate);
        }
    }
}
