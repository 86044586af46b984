using System.Security.Cryptography;

namespace Parley.Cli.Tests.Messaging;

/// <summary>Wrong invocations of the messaging commands: one clear line on stderr, the documented exit code, and no change to the profile.</summary>
public sealed class MessagingUsageTests(MessagingServerFixture fixture) : IClassFixture<MessagingServerFixture>, IAsyncLifetime
{
    private readonly CliUser _alice = new("alice", fixture.Url);
    private readonly CliUser _bob = new("bob", fixture.Url);
    private string _group = null!;

    public async ValueTask InitializeAsync()
    {
        await _alice.RegisterAsync();
        await _bob.RegisterAsync();
        await _alice.OkAsync("send", _bob.Name, "hello");
        _group = (await _alice.OkAsync("group", "create", "Usage", _bob.Name)).StdoutLines.Single().Trim();
    }

    public ValueTask DisposeAsync()
    {
        _alice.Dispose();
        _bob.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Arguments (with {bob}, {alice} and {group} filled in), and the exit code each must give.</summary>
    public static TheoryData<string, int> Cases() => new()
    {
        { "send", 2 },
        { "send {bob}", 2 },
        { "send not!valid hi", 2 },
        { "send ab hi", 2 },
        { "send {alice} note to self", 2 },
        { "send #nosuchgroup hi", 3 },
        { "send nosuchuser12345 hi", 3 },
        { "history", 2 },
        { "history {bob} --limit 0", 2 },
        { "history {bob} --limit many", 2 },
        { "history #nosuchgroup", 3 },
        { "verify", 2 },
        { "verify {bob} --compare 12345", 2 },
        { "verify {bob} --compare abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij", 2 },
        { "verify nosuchuser12345", 3 },
        { "group", 2 },
        { "group create", 2 },
        { "group create \u200b", 2 },
        { "group create AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 2 },
        { "group accept #nosuchgroup", 3 },
        { "group accept {group}", 3 },
        { "group remove {group}", 2 },
        { "group remove #nosuchgroup {bob}", 3 },
        { "group invite {group}", 2 },
        { "group rename {group}", 2 },
        { "contacts trust nosuchuser12345", 3 },
        { "contacts add bad!name", 2 },
        { "contacts add nosuchuser12345", 3 },
        { "contacts remove nosuchuser12345", 3 },
        { "--profile ../evil whoami", 2 },
        { "--profile .hidden whoami", 2 },
        { "--profile nosuchprofile whoami", 14 },
        { "register x", 2 },
        { "register {alice}", 2 },
        { "inbox --bogus", 2 },
        { "session reset", 2 },
        { "session reset bad!name", 2 },
        { "send {bob} hi --passphrase-file /nonexistent/file", 2 },
        { "profile delete", 2 },
        { "profile delete ../x --yes", 2 },
        { "unregister", 2 },
        { "passphrase change", 2 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_wrong_invocation_answers_one_line_with_its_exit_code_and_changes_nothing(string command, int exitCode)
    {
        var args = command.Replace("{bob}", _bob.Name, StringComparison.Ordinal).Replace("{alice}", _alice.Name, StringComparison.Ordinal)
            .Replace("{group}", _group, StringComparison.Ordinal).Split(' ');
        var before = Snapshot();
        var result = await _alice.RunAsync(args);
        result.ExitCode.ShouldBe(exitCode, result.ToString());
        if (exitCode != 1)
        {
            result.Stderr.Trim().Split('\n').Length.ShouldBe(1, result.ToString());
            result.Stderr.ShouldStartWith("parley: ");
        }

        result.Stderr.ShouldNotContain("Exception");
        result.Stderr.ShouldNotContain("   at ");
        Snapshot().ShouldBe(before, command);
    }

    [Fact]
    public void The_table_holds_at_least_thirty_invocations() => Cases().Count.ShouldBeGreaterThanOrEqualTo(30);

    /// <summary>The profile database after a checkpoint: what a command would have changed.</summary>
    private string Snapshot()
    {
        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in Directory.GetFiles(_alice.ProfileFolder).Where(f => f.EndsWith(".db", StringComparison.Ordinal) || f.EndsWith("-wal", StringComparison.Ordinal)).Order())
        {
            hash.AppendData(File.ReadAllBytes(file));
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }
}
