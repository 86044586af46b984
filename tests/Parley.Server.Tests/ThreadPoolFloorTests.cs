using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Tests;

/// <summary>
/// The server starts with at least <see cref="ThreadPoolFloor.WorkerThreads"/> pool workers that run new work
/// without delay (one core would otherwise give it one), and never lowers a larger machine's minimum.
/// </summary>
[Collection(nameof(ThreadPoolFloorTests))]
public sealed class ThreadPoolFloorTests : IDisposable
{
    private readonly int _workers;
    private readonly int _completionPorts;

    public ThreadPoolFloorTests() => ThreadPool.GetMinThreads(out _workers, out _completionPorts);

    // The floor again after the original minimum: the servers of other tests in this process apply it at start.
    public void Dispose()
    {
        ThreadPool.SetMinThreads(_workers, _completionPorts);
        ThreadPoolFloor.Apply();
    }

    [Fact]
    public void A_minimum_below_the_floor_is_raised_to_it()
    {
        ThreadPool.SetMinThreads(1, _completionPorts).ShouldBeTrue();

        ThreadPoolFloor.Apply();

        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        workers.ShouldBe(ThreadPoolFloor.WorkerThreads);
        completionPorts.ShouldBe(_completionPorts);
    }

    [Fact]
    public void A_minimum_above_the_floor_is_left_as_it_is()
    {
        var larger = ThreadPoolFloor.WorkerThreads * 4;
        ThreadPool.SetMinThreads(larger, _completionPorts).ShouldBeTrue();

        ThreadPoolFloor.Apply();

        ThreadPool.GetMinThreads(out var workers, out _);
        workers.ShouldBe(larger);
    }
}

/// <summary>
/// Alone, not beside other test classes: these tests lower the process's pool minimum for a moment, and a test
/// server started meanwhile (each applies <see cref="ThreadPoolFloor"/> in-process) would run with it.
/// </summary>
[CollectionDefinition(nameof(ThreadPoolFloorTests), DisableParallelization = true)]
public sealed class ThreadPoolFloorCollection;
