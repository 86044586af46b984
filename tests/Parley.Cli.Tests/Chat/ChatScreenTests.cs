using Parley.Cli.Tests.Messaging;

namespace Parley.Cli.Tests.Chat;

/// <summary>
/// <c>parley chat</c> driven as a person drives it: real screens in tmux panes (80×24), real
/// <c>parley</c> processes, a real server; the tests type keys and read what the screens show.
/// </summary>
public sealed class ChatScreenTests(MessagingServerFixture fixture) : IClassFixture<MessagingServerFixture>, IDisposable
{
    private readonly List<IDisposable> _cleanup = [];

    public void Dispose()
    {
        foreach (var d in Enumerable.Reverse(_cleanup))
        {
            d.Dispose();
        }
    }

    private async Task<CliUser> UserAsync(string stem)
    {
        var user = new CliUser(stem, fixture.Url);
        _cleanup.Add(user);
        await user.RegisterAsync();
        return user;
    }

    private async Task<TmuxScreen> ChatAsync(CliUser user, params string[] args)
    {
        var screen = await TmuxScreen.StartAsync(user, null, ["chat", .. args]);
        _cleanup.Add(screen);
        await screen.WaitForAsync("● connected");
        return screen;
    }

    [Fact]
    public async Task Two_screens_exchange_messages_both_ways_with_typing_and_read_marks()
    {
        var alice = await UserAsync("alice");
        var bob = await UserAsync("bob");
        await alice.OkAsync("send", bob.Name, "hello from the command line");
        var aliceScreen = await ChatAsync(alice, bob.Name);
        var bobScreen = await ChatAsync(bob, alice.Name);
        await bobScreen.WaitForAsync($"{alice.Name}: hello from the command line");

        await aliceScreen.TypeAsync("Hi Bob, this is my screen");
        await bobScreen.WaitForAsync($"{alice.Name} is typing…");
        await aliceScreen.KeysAsync("Enter");
        var bobSees = await bobScreen.WaitForAsync($"{alice.Name}: Hi Bob, this is my screen");
        bobSees.ShouldNotContain("is typing…"); // the message itself ends the typing notice
        await aliceScreen.WaitForAsync("you: Hi Bob, this is my screen ✓✓ read");

        await bobScreen.TypeAsync("Hello Alice, loud and clear");
        await bobScreen.KeysAsync("Enter");
        await aliceScreen.WaitForAsync($"{bob.Name}: Hello Alice, loud and clear");
        await bobScreen.WaitForAsync("you: Hello Alice, loud and clear ✓✓ read");

        // a message of two lines (Ctrl-J), and the screen's rows: the day separator, the list with bob online
        await aliceScreen.TypeAsync("first line");
        await aliceScreen.KeysAsync("C-j");
        await aliceScreen.TypeAsync("second line");
        await aliceScreen.KeysAsync("Enter");
        var shown = await bobScreen.WaitForAsync("second line");
        TmuxScreen.RowsWith(shown, $"{alice.Name}: first line").ShouldHaveSingleItem();
        var aliceShows = await aliceScreen.TextAsync();
        aliceShows.ShouldContain(DateTime.UtcNow.ToString("d MMM yyyy", System.Globalization.CultureInfo.InvariantCulture));
        TmuxScreen.RowsWith(aliceShows, "● ").ShouldContain(r => r.Contains(bob.Name));
        aliceShows.Split('\n').Length.ShouldBeLessThanOrEqualTo(25); // it fits 80×24

        // the history is in both profiles: what the screens showed was stored
        await aliceScreen.QuitAsync();
        (await alice.OkAsync("history", bob.Name)).Stdout.ShouldContain("Hello Alice, loud and clear");
    }

    [Fact]
    public async Task A_third_users_group_message_shows_in_the_list_with_an_unread_count()
    {
        var alice = await UserAsync("alice");
        var bob = await UserAsync("bob");
        var carol = await UserAsync("carol");
        var created = await carol.OkAsync("group", "create", "Garden", alice.Name);
        var group = created.Stdout.Trim();
        await alice.OkAsync("inbox");
        await alice.OkAsync("group", "accept", group);
        await bob.OkAsync("send", alice.Name, "are you there?");
        var screen = await ChatAsync(alice, bob.Name);
        await screen.WaitForAsync($"{bob.Name}: are you there?");

        await carol.OkAsync("inbox"); // carol learns that alice joined
        await carol.OkAsync("send", group, "the tomatoes are ripe");
        var listed = await screen.WaitForAsync(s => ListRows(s, "Garden").Any(r => r.EndsWith(" 1", StringComparison.Ordinal)),
            "the group with 1 unread message");
        ListRows(listed, "Garden (2)").ShouldNotBeEmpty(); // two members: carol and alice
        listed.ShouldNotContain("the tomatoes are ripe"); // bob's conversation is still open

        await screen.KeysAsync("Tab"); // the next conversation with unread messages
        var opened = await screen.WaitForAsync($"{carol.Name}: the tomatoes are ripe");
        opened.ShouldContain("2 members");
        await screen.WaitForAsync(s => !ListRows(s, "Garden").Any(r => r.EndsWith(" 1", StringComparison.Ordinal)), "the count gone once read");
    }

    [Fact]
    public async Task An_identity_change_shows_a_banner_and_blocks_sending_until_trusted()
    {
        var alice = await UserAsync("alice");
        var bob = await UserAsync("bob");
        await alice.OkAsync("send", bob.Name, "hi bob");
        await bob.OkAsync("inbox");
        var screen = await ChatAsync(alice, bob.Name);

        // bob starts over: a new account under the same name, with a new identity key
        await bob.OkAsync("unregister", "--yes");
        await bob.RegisterAsync();
        await bob.OkAsync("send", alice.Name, "new laptop, still me");
        var warned = await screen.WaitForAsync("safety number has changed");
        warned.ShouldContain($"{bob.Name}: new laptop, still me");
        warned.ShouldContain("accept with /trust"); // the banner, above the history

        await screen.TypeAsync("are you really bob?");
        await screen.KeysAsync("Enter");
        await screen.WaitForAsync("sending is blocked here");
        CliUser.Texts(await bob.InboxAsync()).ShouldBeEmpty(); // nothing left alice's profile

        await screen.TypeAsync("/trust");
        await screen.KeysAsync("Enter");
        await screen.WaitForAsync(s => !s.Contains("accept with /trust", StringComparison.Ordinal), "the banner gone after /trust");
        await screen.TypeAsync("welcome back");
        await screen.KeysAsync("Enter");
        await screen.WaitForAsync("you: welcome back ✓");
        CliUser.Texts(await bob.InboxAsync()).ShouldBe(["welcome back"]);
    }

    [Fact]
    public async Task A_peers_session_reset_shows_a_banner_until_the_user_continues()
    {
        var alice = await UserAsync("alice");
        var bob = await UserAsync("bob");
        await alice.OkAsync("send", bob.Name, "hi");
        await bob.OkAsync("inbox");
        var screen = await ChatAsync(alice, bob.Name);
        await bob.OkAsync("session", "reset", alice.Name);
        await screen.WaitForAsync($"{bob.Name} reset the secure session (");
        await screen.TypeAsync("hm?");
        await screen.KeysAsync("Enter");
        await screen.WaitForAsync("sending is blocked here");
        await screen.TypeAsync("/trust");
        await screen.KeysAsync("Enter");
        await screen.WaitForAsync(s => !s.Contains("reset the secure session (", StringComparison.Ordinal), "the banner gone");
    }

    [Theory]
    [InlineData("C-q", 0)]
    [InlineData("C-c", 0)]
    [InlineData("/quit", 0)]
    [InlineData("SIGINT", 130)]
    [InlineData("SIGTERM", 130)]
    public async Task The_terminal_is_restored_however_the_screen_ends(string how, int exitCode)
    {
        var alice = await UserAsync("alice");
        var screen = await ChatAsync(alice);
        (await screen.FormatAsync("#{alternate_on}")).ShouldBe("1");
        switch (how)
        {
            case "/quit":
                await screen.TypeAsync("/quit");
                await screen.KeysAsync("Enter");
                break;
            case "SIGINT" or "SIGTERM":
                using (var kill = System.Diagnostics.Process.Start("kill", [$"-{how[3..]}", (await screen.ProgramPidAsync()).ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                {
                    await kill.WaitForExitAsync();
                }

                break;
            default:
                await screen.KeysAsync(how);
                break;
        }

        var after = await screen.WaitForAsync("EXIT=");
        after.ShouldContain($"EXIT={exitCode}");
        after.ShouldNotContain("Conversations"); // the screen's content went with the alternate screen
        (await screen.FormatAsync("#{alternate_on} #{cursor_flag} #{mouse_any_flag} #{mouse_sgr_flag} #{keypad_flag} #{keypad_cursor_flag}"))
            .ShouldBe("0 1 0 0 0 0"); // main screen, cursor shown, no mouse reporting, normal keypad
        screen.SttyAfter.ShouldBe(screen.SttyBefore); // echo, line editing and signals as they were
    }

    [Fact]
    public async Task The_screen_holds_the_profile_so_a_second_parley_is_refused()
    {
        var alice = await UserAsync("alice");
        await ChatAsync(alice);
        var second = await alice.RunAsync("inbox");
        second.ExitCode.ShouldBe(15, second.ToString());
    }

    [Fact]
    public async Task Bad_input_on_the_screen_says_what_is_wrong_and_changes_nothing()
    {
        var alice = await UserAsync("alice");
        var screen = await ChatAsync(alice);
        foreach (var (line, says) in new[]
        {
            ("/frobnicate", "unknown command /frobnicate"),
            ("/invite bob", "works in a group conversation"),
            ("/open not a user", "usage: /open"),
            ("/open x", "'x' is not a username"),
            ("/set typing maybe", "usage: /set"),
            ("/attach notes.txt", "attachments (/attach) is not available yet"),
            ("/timer 1h", "disappearing messages (/timer) is not available yet"),
            ("/open nosuchuser42", "nosuchuser42"),
        })
        {
            await screen.TypeAsync(line);
            await screen.KeysAsync("Enter");
            await screen.WaitForAsync(says);
        }

        await screen.TypeAsync("hello nobody");
        await screen.KeysAsync("Enter");
        await screen.WaitForAsync("no user 'nosuchuser42'");
        await screen.QuitAsync();
        (await alice.OkAsync("contacts", "list")).Stdout.ShouldBeEmpty();
    }

    [Fact]
    public async Task The_screen_shows_no_colour_with_NO_COLOR_and_text_cannot_steer_the_terminal()
    {
        var alice = await UserAsync("alice");
        var bob = await UserAsync("bob");
        await bob.OkAsync("send", alice.Name, "innocent \u001b[2J\u001b]0;pwned\u0007 text \u202Eevil");
        var screen = await TmuxScreen.StartAsync(alice, new Dictionary<string, string?> { ["NO_COLOR"] = "1" }, "chat", bob.Name);
        _cleanup.Add(screen);
        var shown = await screen.WaitForAsync("innocent");
        shown.ShouldContain("innocent �[2J�]0;pwned� text �evil");
        (await screen.FormatAsync("#{pane_title}")).ShouldNotContain("pwned");
        var escapes = await screen.TextWithAttributesAsync();
        System.Text.RegularExpressions.Regex.Matches(escapes, "\u001b\\[([0-9;]*)m").SelectMany(m => m.Groups[1].Value.Split(';'))
            .Where(p => p is ['3' or '4' or '9', _] && p is not ("39" or "49")).ShouldBeEmpty(); // no colour, foreground or background
        escapes.ShouldContain("\u001b[7m"); // reverse video marks the selection and the status bar
    }

    /// <summary>The conversation list's rows (left of the line) that contain <paramref name="text"/>.</summary>
    private static IEnumerable<string> ListRows(string screen, string text) =>
        TmuxScreen.RowsWith(screen, text).Select(r => r.Split('│')[0].TrimEnd()).Where(r => r.Contains(text, StringComparison.Ordinal));
}
