using System.Diagnostics;
using System.Text.Json;
using Parley.Client.Messenger;

namespace Parley.Cli.Tests.Messaging;

/// <summary><c>parley inbox --follow</c> as a long-running process: what it prints as events arrive.</summary>
public sealed class FollowTests(MessagingServerFixture fixture) : IClassFixture<MessagingServerFixture>, IDisposable
{
    private readonly CliUser _alice = new("alice", fixture.Url);
    private readonly CliUser _bob = new("bob", fixture.Url);

    public void Dispose()
    {
        _alice.Dispose();
        _bob.Dispose();
    }

    [Theory]
    [InlineData("--json")]
    [InlineData("--verbose")]
    public async Task Inbox_follow_shows_when_the_other_side_types_and_reads(string how)
    {
        await Task.WhenAll(_alice.RegisterAsync(), _bob.RegisterAsync());
        var sent = CliUser.Lines(await _alice.OkAsync("send", _bob.Name, "did you read this?", "--json")).Single();
        var uid = sent.GetProperty("id").GetString()!;
        await using var bob = _bob.OpenInProcess();
        (await bob.ReceivePendingAsync()).OfType<MessageReceived>().ShouldHaveSingleItem();

        using var follow = FollowingProcess.Start(_alice, "inbox", "--follow", how);
        (await bob.SendTypingAsync(ConversationId.Direct(_alice.Name), true)).ShouldBeTrue();
        (await bob.MarkReadAsync(ConversationId.Direct(_alice.Name))).ShouldBe(1);
        (await bob.SendTypingAsync(ConversationId.Direct(_alice.Name), false)).ShouldBeTrue();

        var conversation = ConversationId.Direct(_bob.Name);
        if (how == "--json")
        {
            var lines = await follow.WaitForLinesAsync(l => l.Count(x => x.Contains("\"typing\"", StringComparison.Ordinal)) >= 2 && l.Any(x => x.Contains("\"read\"", StringComparison.Ordinal)));
            var events = lines.Select(l => JsonDocument.Parse(l).RootElement).Where(e => e.GetProperty("type").GetString() is "typing" or "read").ToList();
            events.Select(e => e.GetRawText()).ShouldBe([
                $$"""{"type":"typing","conversation":"{{conversation}}","user":"{{_bob.Name}}","typing":true}""",
                $$"""{"type":"read","conversation":"{{conversation}}","id":"{{uid}}","readBy":["{{_bob.Name}}"]}""",
                $$"""{"type":"typing","conversation":"{{conversation}}","user":"{{_bob.Name}}","typing":false}""",
            ]);
        }
        else
        {
            var lines = await follow.WaitForLinesAsync(l => l.Any(x => x.Contains("stopped typing", StringComparison.Ordinal)));
            lines.ShouldContain($"{conversation}: {_bob.Name} is typing");
            lines.ShouldContain($"{conversation}: message {uid} read by {_bob.Name}");
            lines.ShouldContain($"{conversation}: {_bob.Name} stopped typing");
        }

        // neither went into alice's history: it holds the one message, now marked read
        follow.Stop();
        var history = CliUser.Lines(await _alice.OkAsync("history", _bob.Name, "--json"));
        history.ShouldHaveSingleItem().GetProperty("text").GetString().ShouldBe("did you read this?");
    }

    /// <summary>A <c>parley</c> process that keeps running (<c>inbox --follow</c>); its stdout collected line by line.</summary>
    private sealed class FollowingProcess : IDisposable
    {
        private readonly Process _process;
        private readonly List<string> _lines = [];
        private readonly Task _reading;

        private FollowingProcess(Process process)
        {
            _process = process;
            _reading = Task.Run(async () =>
            {
                while (await process.StandardOutput.ReadLineAsync() is { } line)
                {
                    lock (_lines)
                    {
                        _lines.Add(line);
                    }
                }
            });
            _ = process.StandardError.ReadToEndAsync();
        }

        public static FollowingProcess Start(CliUser user, params string[] args)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(CliProcess.DllPath);
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            foreach (var (key, value) in user.Environment())
            {
                start.Environment[key] = value;
            }

            return new FollowingProcess(Process.Start(start)!);
        }

        /// <summary>Waits until the lines printed so far satisfy <paramref name="done"/>; fails with them otherwise.</summary>
        public async Task<List<string>> WaitForLinesAsync(Func<List<string>, bool> done)
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                List<string> lines;
                lock (_lines)
                {
                    lines = [.. _lines];
                }

                if (done(lines))
                {
                    return lines;
                }

                if (deadline.Elapsed > TimeSpan.FromSeconds(30) || _process.HasExited)
                {
                    throw new TimeoutException("parley inbox --follow printed only:\n" + string.Join('\n', lines));
                }

                await Task.Delay(100);
            }
        }

        /// <summary>Ends it and waits until it exited (the profile is free again).</summary>
        public void Stop()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.WaitForExit();
            _reading.Wait();
        }

        public void Dispose()
        {
            Stop();
            _process.Dispose();
        }
    }
}
