using System.Diagnostics;
using System.Text.Json;
using Parley.Client.Messenger;

namespace Parley.Cli.Tests.Messaging;

/// <summary>Many messages while offline, and a receiving CLI killed at random moments: nothing lost, nothing twice.</summary>
public sealed class DeliveryRobustnessTests(MessagingServerFixture fixture) : IClassFixture<MessagingServerFixture>, IDisposable
{
    private readonly CliUser _alice = new("alice", fixture.Url);
    private readonly CliUser _bob = new("bob", fixture.Url);

    public void Dispose()
    {
        _alice.Dispose();
        _bob.Dispose();
    }

    /// <summary>bob, as a messenger in this process (sending 200 messages through 200 CLI processes would only be slower).</summary>
    private async Task<Client.Messenger.Messenger> BobAsync()
    {
        await _bob.RegisterAsync();
        return _bob.OpenInProcess();
    }

    [Fact]
    public async Task Two_hundred_messages_sent_while_offline_arrive_exactly_once_in_order()
    {
        await _alice.RegisterAsync();
        await using var bob = await BobAsync();
        for (var i = 0; i < 200; i++)
        {
            (await bob.SendTextAsync(_alice.Name, $"message {i:D3}")).Queued.ShouldBeTrue();
        }

        CliUser.Texts(await _alice.InboxAsync()).ShouldBe(Enumerable.Range(0, 200).Select(i => $"message {i:D3}"));
        CliUser.Texts(await _alice.InboxAsync()).ShouldBeEmpty();
        var history = CliUser.Lines(await _alice.OkAsync("history", _bob.Name, "--limit", "1000", "--json"));
        CliUser.Texts(history).ShouldBe(Enumerable.Range(0, 200).Select(i => $"message {i:D3}"));
    }

    [Fact]
    public async Task Killing_the_receiver_at_random_moments_loses_nothing_and_shows_nothing_twice()
    {
        await _alice.RegisterAsync();
        await using var bob = await BobAsync();
        var random = new Random(20261206);
        var shown = new List<string>();
        var sent = 0;
        var killed = 0;
        var killedAfterShowing = 0;
        for (var round = 0; killed < 20 || killedAfterShowing < 5; round++)
        {
            round.ShouldBeLessThan(200, "the receiver was hardly ever killed: the test did not test");
            for (var i = 0; i < 25; i++, sent++)
            {
                (await bob.SendTextAsync(_alice.Name, $"m{sent:D4}")).Queued.ShouldBeTrue();
            }

            var afterFirstLine = round % 2 == 1;
            var delay = afterFirstLine ? TimeSpan.FromMilliseconds(random.Next(0, 30)) : TimeSpan.FromMilliseconds(random.Next(100, 1500));
            var (lines, wasKilled) = await RunInboxUntilKilledAsync(delay, afterFirstLine);
            shown.AddRange(CliUser.Texts(lines));
            killed += wasKilled ? 1 : 0;
            killedAfterShowing += wasKilled && lines.Count > 0 ? 1 : 0;
        }

        shown.AddRange(CliUser.Texts(await _alice.InboxAsync()));
        shown.Count.ShouldBe(shown.Distinct().Count(), "a message was shown twice");
        var expected = Enumerable.Range(0, sent).Select(i => $"m{i:D4}").ToList();
        var history = CliUser.Texts(CliUser.Lines(await _alice.OkAsync("history", _bob.Name, "--limit", "100000", "--json"))).ToList();
        history.ShouldBe(expected, "history must hold every message once, in order");

        // the profile still opens and the session still decrypts in both directions
        (await bob.SendTextAsync(_alice.Name, "still there?")).Queued.ShouldBeTrue();
        CliUser.Texts(await _alice.InboxAsync()).ShouldBe(["still there?"]);
        await _alice.OkAsync("send", _bob.Name, "yes");
        (await bob.ReceivePendingAsync()).OfType<MessageReceived>().Single().Message.Text.ShouldBe("yes");
    }

    /// <summary>
    /// Starts <c>parley inbox --json</c> and SIGKILLs it: after <paramref name="after"/> from the start
    /// (anywhere in start-up, decryption or the commit), or — when <paramref name="afterFirstLine"/> —
    /// a moment after it printed its first message (the batch is committed; the acknowledgement may not
    /// have reached the server). Returns what it printed, and whether it was killed before it finished.
    /// </summary>
    private async Task<(List<JsonElement> Lines, bool Killed)> RunInboxUntilKilledAsync(TimeSpan after, bool afterFirstLine)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(CliProcess.DllPath);
        start.ArgumentList.Add("inbox");
        start.ArgumentList.Add("--json");
        foreach (var (k, v) in _alice.Environment())
        {
            start.Environment[k] = v;
        }

        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var lines = new List<JsonElement>();
        var firstLine = new TaskCompletionSource();
        var reading = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                try
                {
                    lines.Add(JsonDocument.Parse(line).RootElement.Clone());
                    firstLine.TrySetResult();
                }
                catch (JsonException)
                {
                    // the last line may be cut by the kill: a cut line was not shown whole
                }
            }
        });
        var exited = process.WaitForExitAsync();
        var trigger = afterFirstLine ? firstLine.Task.ContinueWith(_ => Task.Delay(after)).Unwrap() : Task.Delay(after);
        var finished = await Task.WhenAny(exited, trigger) == exited;
        if (!finished)
        {
            process.Kill(entireProcessTree: true); // SIGKILL: no cleanup runs
        }

        await exited;
        await reading;
        await errors;
        return (lines, !finished);
    }
}
