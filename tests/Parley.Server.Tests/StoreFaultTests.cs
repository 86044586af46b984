using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Parley.Server.Infrastructure.Hosting;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Tests;

/// <summary>
/// Which failures are the disk's or the database's rather than a bug (a 503 for the client, one line
/// for the operator), how they are logged (codes only, never a file name, at most a line a minute), and
/// that a sweep meeting one logs it so instead of as an error with a stack trace.
/// </summary>
public sealed class StoreFaultTests
{
    public static TheoryData<Exception, string?> Failures => new()
    {
        { new SqliteException("database or disk is full", 13), "Full" },
        { new IOException("No space left on device : '/data/streams/0123abcd'", 28), "Full" },
        { new IOException("Disk quota exceeded", 122), "Full" },
        { new PostgresException("could not extend file", "ERROR", "ERROR", "53100"), "Full" },
        { new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01"), "Unavailable" },
        { new PostgresException("connection failure", "FATAL", "FATAL", "08006"), "Unavailable" },
        { new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused)), "Unavailable" },
        { new InvalidOperationException("wrapped", new SqliteException("database or disk is full", 13)), "Full" },
        { new PostgresException("duplicate key", "ERROR", "ERROR", "23505"), null },
        { new SqliteException("constraint failed", 19), null },
        { new IOException("Input/output error", 5), null },
        { new InvalidOperationException("a bug"), null },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Only_a_full_disk_or_an_unreachable_store_is_a_store_fault(Exception failure, string? kind) =>
        (StoreFault.Classify(failure)?.ToString()).ShouldBe(kind);

    [Fact]
    public void The_log_line_names_the_code_never_the_file()
    {
        var described = StoreFault.Describe(new IOException("No space left on device : '/data/streams/0123abcd'", 28));
        described.ShouldBe("I/O error 28");
        StoreFault.Describe(new NpgsqlException("Failed to connect to 10.1.2.3:5432", new SocketException((int)SocketError.ConnectionRefused)))
            .ShouldBe("socket error ConnectionRefused");
    }

    [Fact]
    public void A_flood_of_refusals_gives_one_line_a_minute_with_the_count()
    {
        var (log, lines, time) = NewLog();
        for (var i = 0; i < 100; i++)
        {
            log.Refused(StoreFaultKind.Full, new SqliteException("database or disk is full", 13));
        }

        log.Refused(StoreFaultKind.Unavailable, new NpgsqlException("down"));
        time.Advance(StoreFaultLog.Window);
        log.Refused(StoreFaultKind.Full, new SqliteException("database or disk is full", 13));

        lines.Lines.Count.ShouldBe(3);
        lines.Lines.ElementAt(0).ShouldStartWith("Error");
        lines.Lines.ElementAt(1).ShouldStartWith("Warning");
        lines.Lines.ElementAt(2).ShouldContain("99 more since the last such line");
        lines.Text.ShouldNotContain("   at ");
    }

    [Fact]
    public async Task A_sweep_that_meets_a_full_disk_logs_it_as_a_store_fault_and_sweeps_again_at_the_next_tick()
    {
        var (log, lines, time) = NewLog();
        var failures = new List<Exception>();
        var sweeps = 0;
        using var stop = new CancellationTokenSource();
        var loop = PeriodicSweep.RunAsync(TimeSpan.FromMinutes(1), time, _ =>
        {
            sweeps++;
            throw new IOException("No space left on device", 28);
        }, failures.Add, log, stop.Token);

        for (var tick = 1; tick <= 2; tick++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            await WaitUntilAsync(() => sweeps == tick);
        }

        await stop.CancelAsync();
        await loop;
        failures.ShouldBeEmpty();
        lines.Lines.Count.ShouldBe(2);
        lines.Lines.ShouldAllBe(l => l.StartsWith("Error", StringComparison.Ordinal) && l.Contains("out of space"));
    }

    private static (StoreFaultLog Log, CapturedLogs Lines, FakeTimeProvider Time) NewLog()
    {
        var lines = new CapturedLogs();
        var time = new FakeTimeProvider();
        var factory = LoggerFactory.Create(b => b.AddProvider(lines).SetMinimumLevel(LogLevel.Trace));
        return (new StoreFaultLog(time, factory.CreateLogger<StoreFaultLog>()), lines, time);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        condition().ShouldBeTrue();
    }
}
