using System.Collections.Concurrent;

namespace Parley.Testing;

/// <summary>
/// The kill -9 loop of the durability tests. Each round, concurrent writers hit a server process until
/// a randomly chosen write is answered; at that moment the process gets SIGKILL (other writes are then
/// in flight, answered or not). After the restart every write that was answered must be there: the
/// server may answer only what it has committed.
/// </summary>
public static class KillAfterAnswer
{
    /// <summary>
    /// Runs <paramref name="rounds"/> kill-and-restart rounds. <paramref name="write"/> gets a number unique
    /// across the run and returns what the server answered; <paramref name="verifyAfterRestart"/> gets every
    /// answer of the round. Returns how many answered writes were checked in all.
    /// </summary>
    public static async Task<int> RunAsync<T>(ServerProcess server, int rounds, Func<int, CancellationToken, Task<T>> write,
        Func<IReadOnlyCollection<T>, Task> verifyAfterRestart, int writers = 8, int mostAnswersBeforeKill = 150)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(verifyAfterRestart);
        var sequence = 0;
        var checkedWrites = 0;
        for (var round = 0; round < rounds; round++)
        {
            var killAfter = Random.Shared.Next(1, mostAnswersBeforeKill + 1);
            var answered = await WriteUntilKilledAsync(server, killAfter, writers, ct => write(Interlocked.Increment(ref sequence), ct));
            Assert.True(answered.Count >= killAfter, $"round {round}: {answered.Count} answers, the kill was due after {killAfter}");
            await server.RestartAsync();
            await verifyAfterRestart(answered);
            checkedWrites += answered.Count;
        }

        return checkedWrites;
    }

    private static async Task<IReadOnlyCollection<T>> WriteUntilKilledAsync<T>(ServerProcess server, int killAfter, int writers,
        Func<CancellationToken, Task<T>> write)
    {
        var answered = new ConcurrentQueue<T>();
        var answers = 0;
        var killing = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2)); // a round that never reaches its kill fails, not hangs

        async Task WriterAsync()
        {
            while (Volatile.Read(ref killing) == 0)
            {
                T result;
                try
                {
                    result = await write(stop.Token);
                }
                catch (Exception) when (Volatile.Read(ref killing) == 1)
                {
                    return; // the write met the kill: it was never answered, so nothing is promised
                }

                // Answered: it counts even when it arrives after another writer's kill (the server sent it first).
                answered.Enqueue(result);
                if (Interlocked.Increment(ref answers) == killAfter)
                {
                    Volatile.Write(ref killing, 1);
                    await server.KillAsync();
                    await stop.CancelAsync();
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(WriterAsync)));
        return [.. answered];
    }
}
