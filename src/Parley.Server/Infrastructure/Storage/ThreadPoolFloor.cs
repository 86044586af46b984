namespace Parley.Server.Infrastructure.Storage;

/// <summary>
/// The least number of pool threads the server starts new work on without delay. SQLite reads run
/// synchronously on pool threads (Microsoft.Data.Sqlite has no asynchronous I/O), and .NET's pool begins
/// with one thread per core: on one core a read that waited (a page from disk, a busy WAL index) held the
/// only thread, and every socket waited 100–200 ms for the pool to add one (docs/benchmarks.md, "Relay per
/// core, third round"). A floor, never lower than the runtime's own minimum on a larger machine.
/// </summary>
internal static class ThreadPoolFloor
{
    public const int WorkerThreads = 8;

    public static void Apply()
    {
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        if (workers < WorkerThreads)
        {
            ThreadPool.SetMinThreads(WorkerThreads, completionPorts);
        }
    }
}
