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

        await bobScreen.SubmitAsync("Hello Alice, loud and clear");
        await aliceScreen.WaitForAsync($"{bob.Name}: Hello Alice, loud and clear");
        await bobScreen.WaitForAsync("you: Hello Alice, loud and clear ✓✓ read");

        // a message of two lines (Ctrl-J), and the screen's rows: the day separator, the list with bob online
        await aliceScreen.TypeAsync("first line");
        await aliceScreen.KeysAsync("C-j");
        await aliceScreen.SubmitAsync("second line");
        var shown = await bobScreen.WaitForAsync("second line");
        var firstRow = TmuxScreen.RowsWith(shown, $"{alice.Name}: first line").ShouldHaveSingleItem();
        var secondRow = TmuxScreen.RowsWith(shown, "second line").ShouldHaveSingleItem();
        secondRow.IndexOf("second line", StringComparison.Ordinal).ShouldBe(firstRow.IndexOf("first line", StringComparison.Ordinal)); // under the text

        // a long message wraps at the pane's edge, each row under the text
        var words = string.Join(' ', Enumerable.Range(1, 24).Select(i => $"word{i:D2}"));
        await aliceScreen.SubmitAsync(words);
        var wrapped = await bobScreen.WaitForAsync("word24");
        var textColumn = TmuxScreen.RowsWith(wrapped, $"{alice.Name}: word01").ShouldHaveSingleItem().IndexOf("word01", StringComparison.Ordinal);
        var wrappedRows = wrapped.Split('\n').SkipWhile(r => !r.Contains("word01", StringComparison.Ordinal)).TakeWhile(r => r.Contains("word", StringComparison.Ordinal)).ToList();
        wrappedRows.Count.ShouldBeGreaterThan(2);
        wrappedRows.Skip(1).ShouldAllBe(r => r.IndexOf("word", StringComparison.Ordinal) == textColumn);
        string.Join(' ', wrappedRows.Select(r => r[textColumn..].Trim())).ShouldBe(words); // nothing lost at the edge
        var aliceShows = await aliceScreen.TextAsync();
        aliceShows.ShouldContain(DateTime.UtcNow.ToString("d MMM yyyy", System.Globalization.CultureInfo.InvariantCulture));
        TmuxScreen.RowsWith(aliceShows, "● ").ShouldContain(r => r.Contains(bob.Name));
        aliceShows.Split('\n').Length.ShouldBeLessThanOrEqualTo(25); // it fits 80×24

        // the history is in both profiles: what the screens showed was stored
        await aliceScreen.QuitAsync();
        (await alice.OkAsync("history", bob.Name)).Stdout.ShouldContain("Hello Alice, loud and clear");
    }

    [Fact]
    public async Task Attach_sends_a_file_and_timer_sets_disappearing_messages_from_the_screen()
    {
        var alice = await UserAsync("alice");
        var bob = await UserAsync("bob");
        var file = Path.Combine(alice.Home, "notes for bob.txt");
        var bytes = System.Security.Cryptography.RandomNumberGenerator.GetBytes(70_000);
        await File.WriteAllBytesAsync(file, bytes, TestContext.Current.CancellationToken);
        var screen = await ChatAsync(alice, bob.Name);

        await screen.SubmitAsync("/attach " + Path.Combine(alice.Home, "no such file"));
        await screen.WaitForAsync("no file");
        await screen.SubmitAsync("/timer soon");
        await screen.WaitForAsync("usage: /timer");

        await screen.SubmitAsync("/attach " + file);
        await screen.WaitForAsync(text => TmuxScreen.RowsWith(text, "notes for bob.txt").Any(r => r.Contains("you:", StringComparison.Ordinal)),
            "the attachment in the history");
        await screen.SubmitAsync("/timer 1h");
        await screen.WaitForAsync(text => TmuxScreen.RowsWith(text, "1 hour").Any(r => r.Contains("You set disappearing messages", StringComparison.Ordinal)), "the timer announced");
        await screen.QuitAsync();

        // bob receives both with the CLI: the file saves byte for byte, and his side of the timer agrees
        var folder = Directory.CreateDirectory(Path.Combine(bob.Home, "saved")).FullName;
        await bob.OkAsync("inbox", "--out", folder);
        (await File.ReadAllBytesAsync(Path.Combine(folder, "notes for bob.txt"), TestContext.Current.CancellationToken)).ShouldBe(bytes);
        (await bob.OkAsync("timer", alice.Name)).Stderr.ShouldContain("1 hour");
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
        // the banner, above the history (the status line says it first; the banner follows once the lists are read again)
        var warned = await screen.WaitForAsync(s => s.Contains("accept with /trust", StringComparison.Ordinal), "the banner");
        warned.ShouldContain($"{bob.Name}: new laptop, still me");
        TmuxScreen.RowsWith(warned, "safety number has changed").ShouldNotBeEmpty();
        ListRows(warned, bob.Name).ShouldHaveSingleItem().ShouldStartWith("!"); // the list marks him too

        await screen.SubmitAsync("are you really bob?");
        await screen.WaitForAsync("sending is blocked here");
        CliUser.Texts(await bob.InboxAsync()).ShouldBeEmpty(); // nothing left alice's profile

        await screen.SubmitAsync("/trust");
        await screen.WaitForAsync(s => !s.Contains("accept with /trust", StringComparison.Ordinal), "the banner gone after /trust");
        await screen.SubmitAsync("welcome back");
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
        await screen.SubmitAsync("hm?");
        await screen.WaitForAsync("sending is blocked here");
        await screen.SubmitAsync("/trust");
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
                await screen.SubmitAsync("/quit");
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
            ("/attach", "usage: /attach <file>"),
            ("/timer soon", "usage: /timer"),
            ("/timer 1h", "no conversation is open"),
            ("/open nosuchuser42", "nosuchuser42"),
        })
        {
            await screen.SubmitAsync(line);
            await screen.WaitForAsync(says);
        }

        await screen.SubmitAsync("hello nobody");
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
        await alice.OkAsync("inbox");
        await alice.OkAsync("send", bob.Name, "a reply in colour");

        // without NO_COLOR the screen has colours (so the check below can fail)
        var coloured = await TmuxScreen.StartAsync(alice, null, "chat", bob.Name);
        _cleanup.Add(coloured);
        await coloured.WaitForAsync("a reply in colour");
        Colours(await coloured.TextWithAttributesAsync()).ShouldNotBeEmpty();
        await coloured.QuitAsync();

        var screen = await TmuxScreen.StartAsync(alice, new Dictionary<string, string?> { ["NO_COLOR"] = "1" }, "chat", bob.Name);
        _cleanup.Add(screen);
        var shown = await screen.WaitForAsync("a reply in colour");
        shown.ShouldContain("innocent �[2J�]0;pwned� text �evil");
        (await screen.FormatAsync("#{pane_title}")).ShouldNotContain("pwned");
        var escapes = await screen.TextWithAttributesAsync();
        Colours(escapes).ShouldBeEmpty(); // no colour, foreground or background
        escapes.ShouldContain("\u001b[7m"); // reverse video marks the selection and the status bar
    }

    /// <summary>The colour parameters (foreground or background, not "default") in SGR sequences of <c>capture-pane -e</c>.</summary>
    private static List<string> Colours(string escapes) =>
        [.. System.Text.RegularExpressions.Regex.Matches(escapes, "\u001b\\[([0-9;]*)m").SelectMany(m => m.Groups[1].Value.Split(';'))
            .Where(p => int.TryParse(p, out var n) && n is (>= 30 and <= 38) or (>= 40 and <= 48) or (>= 90 and <= 97) or (>= 100 and <= 107))];

    [Fact]
    public async Task The_first_unread_conversation_opens_and_keys_page_search_and_switch()
    {
        var alice = await UserAsync("alice");
        var bob = await UserAsync("bob");
        var carol = await UserAsync("carol");
        await using (var bobInProcess = bob.OpenInProcess())
        {
            for (var i = 1; i <= 250; i++)
            {
                (await bobInProcess.SendTextAsync(alice.Name, $"note {i:D3}")).Queued.ShouldBeTrue();
            }
        }

        await alice.OkAsync("inbox");
        await alice.OkAsync("send", carol.Name, "lunch today?"); // the newest conversation, with nothing unread

        // no conversation named: bob's opens (it has unread messages), newest at the bottom
        var screen = await ChatAsync(alice);
        var opened = await screen.WaitForAsync($"{bob.Name}: note 250");
        opened.Split('\n')[0].ShouldContain($"@{bob.Name}");
        ListRows(opened, carol.Name).ShouldHaveSingleItem(); // listed first, but not opened

        // PgUp and PgDn move a page (the history pane is 20 rows at 80×24), older pages load as needed
        await screen.KeysAsync("PPage");
        var pageUp = await screen.WaitForAsync(s => !s.Contains("note 250", StringComparison.Ordinal), "a page up");
        pageUp.ShouldContain("more rows below");
        pageUp.ShouldContain("note 220");
        await screen.KeysAsync("PPage");
        (await screen.WaitForAsync("note 200")).ShouldNotContain("note 220");
        await screen.KeysAsync("NPage");
        await screen.WaitForAsync("note 220");
        await screen.KeysAsync("NPage");
        (await screen.WaitForAsync("note 250")).ShouldNotContain("more rows below");

        // Ctrl-F searches back through the history, beyond the loaded page (the newest 200 messages)
        await screen.KeysAsync("C-f");
        await screen.WaitForAsync("search: type text");
        await screen.SubmitAsync("note 007");
        var found = await screen.WaitForAsync($"{bob.Name}: note 007");
        found.ShouldContain("found: ");
        found.ShouldNotContain("note 250");
        await screen.KeysAsync("Enter"); // the next older match: there is none
        await screen.WaitForAsync("no older message contains \"note 007\"");
        await screen.KeysAsync("Escape");
        await screen.WaitForAsync("F1 help · Ctrl-Q quit");
        await screen.KeysAsync("C-End");
        await screen.WaitForAsync("note 250");

        // Ctrl-N and Ctrl-P go down and up the list (it wraps), Alt-1…9 pick a row
        await screen.KeysAsync("C-n");
        var carols = await screen.WaitForAsync("you: lunch today?");
        carols.Split('\n')[0].ShouldContain($"@{carol.Name}");
        carols.ShouldNotContain("note 250");
        await screen.KeysAsync("C-p");
        await screen.WaitForAsync("note 250");
        await screen.KeysAsync("M-1");
        await screen.WaitForAsync("you: lunch today?");

        // Up brings back the last line typed
        await screen.SubmitAsync("//note to self");
        await screen.WaitForAsync("you: /note to self ✓");
        await screen.KeysAsync("Up");
        await screen.WaitForAsync(s => TmuxScreen.RowsWith(s, "> //note to self").Any(), "the line recalled into the input");
    }

    [Fact]
    public async Task The_screen_lays_itself_out_again_when_the_terminal_is_resized()
    {
        var alice = await UserAsync("alice");
        var bob = await UserAsync("bob");
        const string Long = "this line is too long for one row at eighty columns: the end";
        await bob.OkAsync("send", alice.Name, Long);
        var screen = await ChatAsync(alice, bob.Name);
        var small = await screen.WaitForAsync("the end");
        TmuxScreen.RowsWith(small, $"{bob.Name}: ").ShouldHaveSingleItem().ShouldNotContain("the end"); // wrapped at 80
        small.Split('\n')[23].ShouldContain("● connected"); // the status bar in the last of 24 rows

        await screen.ResizeAsync(120, 40);
        var large = await screen.WaitForAsync(s => s.Split('\n').Length >= 40 && s.Split('\n')[39].Contains("● connected", StringComparison.Ordinal), "the status bar on row 40");
        TmuxScreen.RowsWith(large, $"{bob.Name}: ").ShouldHaveSingleItem().ShouldContain(Long); // one row now
        large.Split('\n').Max(r => r.TrimEnd().Length).ShouldBeGreaterThan(80);

        await screen.ResizeAsync(50, 14); // cramped, but everything is still there
        var cramped = await screen.WaitForAsync(s => s.Split('\n').Length >= 14 && s.Split('\n')[13].Contains("connected", StringComparison.Ordinal), "the status bar on row 14");
        cramped.ShouldContain("the end");
        cramped.ShouldContain("Conversations");
        await screen.TypeAsync("still typing here");
        await screen.WaitForAsync("still typing here");

        await screen.ResizeAsync(80, 24);
        await screen.WaitForAsync(s => s.Split('\n')[23].Contains("● connected", StringComparison.Ordinal), "the status bar on row 24 again");
        await screen.KeysAsync("Enter");
        await screen.WaitForAsync("you: still typing here");
    }

    [Fact]
    public async Task Slash_commands_show_help_and_the_safety_number_mark_verified_and_reset_the_session()
    {
        var alice = await UserAsync("alice");
        var bob = await UserAsync("bob");
        await alice.OkAsync("send", bob.Name, "hi");
        await bob.OkAsync("inbox");
        var number = System.Text.Json.JsonDocument.Parse((await bob.OkAsync("verify", alice.Name, "--json")).Stdout).RootElement
            .GetProperty("safetyNumber").GetString()!.Split(' ');
        var screen = await ChatAsync(alice, bob.Name);
        await screen.WaitForAsync("you: hi");

        // /help is longer than the pane at 80×24: PgDn pages through it
        await screen.SubmitAsync("/help");
        var help = await screen.WaitForAsync("PgDn: more · Esc closes this");
        help.ShouldContain("Ctrl-N/P       next / previous conversation");
        help.ShouldNotContain("you: hi");
        for (var page = help; !page.Contains("PgUp: back · Esc closes this", StringComparison.Ordinal);)
        {
            // Pages overlap: the last line of one is near the top of the next. Waiting for that line to move up (not
            // for any change: the list and status rows change on their own) and then for the screen to settle means
            // a half-drawn frame never lets the next PgDn skip a page.
            var lines = PanelLines(page);
            var last = lines.FindLastIndex(l => l.Trim().Length > 0);
            await screen.KeysAsync("NPage");
            await screen.WaitForAsync(s => PanelLines(s).IndexOf(lines[last]) is >= 0 and var at && at < last, "the next page of the help");
            page = await screen.WaitForSettledAsync();
            help += page;
        }

        foreach (var command in new[] { "/verify", "/trust", "/invite", "/remove", "/leave", "/rekey", "/reset", "/timer", "/attach", "/help" })
        {
            System.Text.RegularExpressions.Regex.IsMatch(help, $"│ {System.Text.RegularExpressions.Regex.Escape(command)}( |$)", System.Text.RegularExpressions.RegexOptions.Multiline)
                .ShouldBeTrue(command);
        }

        await CloseAsync(screen);
        await screen.WaitForAsync("you: hi");

        // the same number bob's CLI shows (both sides compute the same one)
        await screen.SubmitAsync("/verify");
        var panel = await screen.WaitForAsync($"Safety number with {bob.Name} (not verified)");
        panel.ShouldContain(string.Join(' ', number[..6]));
        panel.ShouldContain(string.Join(' ', number[6..]));
        await screen.SubmitAsync("/verify mark");
        await screen.WaitForAsync($"{bob.Name} is now marked verified.");
        await CloseAsync(screen);
        var verified = await screen.WaitForAsync("✓ verified");
        ListRows(verified, bob.Name).ShouldHaveSingleItem().ShouldContain("✓");

        await screen.SubmitAsync("/reset");
        await screen.WaitForAsync($"The secure session with {bob.Name} was reset.");
        await screen.SubmitAsync("after the reset");
        await screen.WaitForAsync("you: after the reset ✓");
        var bobSees = await bob.OkAsync("inbox");
        bobSees.Stdout.ShouldContain($"{alice.Name} reset the secure session.");
        bobSees.Stdout.ShouldContain($"{alice.Name}: after the reset");
    }

    [Fact]
    public async Task Group_slash_commands_create_invite_remove_rekey_accept_and_leave()
    {
        var alice = await UserAsync("alice");
        var bob = await UserAsync("bob");
        var carol = await UserAsync("carol");
        var screen = await ChatAsync(alice);
        await screen.SubmitAsync($"/create Garden {bob.Name}");
        await screen.WaitForAsync("Created \"Garden\".");
        await screen.WaitForAsync(" #Garden · 1 member");
        await screen.SubmitAsync($"/invite {carol.Name}");
        await screen.WaitForAsync($"Invited {carol.Name} to \"Garden\".");
        foreach (var member in new[] { bob, carol })
        {
            await member.OkAsync("inbox");
            await member.OkAsync("group", "accept", "#Garden");
        }

        await screen.WaitForAsync($"{carol.Name} joined the group.");
        await screen.WaitForAsync(" #Garden · 3 members");

        await screen.SubmitAsync($"/remove {carol.Name}");
        await screen.WaitForAsync($"Removed {carol.Name} from \"Garden\".");
        await screen.WaitForAsync(" #Garden · 2 members");
        await screen.SubmitAsync("/rekey");
        await screen.WaitForAsync("Replaced your key in \"Garden\".");
        await screen.SubmitAsync("only bob reads this");
        await screen.WaitForAsync("you: only bob reads this ✓");
        CliUser.Texts(await bob.InboxAsync()).ShouldBe(["only bob reads this"]);
        var carolSees = await carol.OkAsync("inbox");
        carolSees.Stdout.ShouldContain($"{alice.Name} removed you.");
        carolSees.Stdout.ShouldNotContain("only bob reads this");

        // carol's group: alice is invited, accepts and leaves from the screen
        await carol.OkAsync("group", "create", "Kitchen", alice.Name);
        var invited = await screen.WaitForAsync(s => ListRows(s, "Kitchen (invit").Any(), "the invitation in the list");
        invited.ShouldContain(" #Garden");
        await screen.SubmitAsync("/open #Kitchen");
        await screen.WaitForAsync("invited: /accept to join");
        await screen.SubmitAsync("/accept");
        await screen.WaitForAsync("Joined \"Kitchen\".");
        await screen.SubmitAsync("/leave");
        await screen.WaitForAsync("Left \"Kitchen\".");
        await screen.WaitForAsync("you are no longer in this group");
        (await carol.OkAsync("inbox")).Stdout.ShouldContain($"{alice.Name} left the group.");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Typing_and_read_receipts_are_sent_only_while_their_settings_are_on(bool on)
    {
        var alice = await UserAsync("alice");
        var bob = await UserAsync("bob");
        await alice.OkAsync("send", bob.Name, "are you there?");
        if (!on)
        {
            await bob.OkAsync("settings", "set", "typing", "off");
            (await bob.OkAsync("settings", "set", "read-receipts", "off")).Stdout.ShouldBe("typing          off\nread-receipts   off\n");
        }

        // alice listens as a script would; bob opens the conversation (reads it), types and sends
        using var follow = new LongRunningCli(["inbox", "--follow", "--json"], alice.Environment());
        var bobScreen = await ChatAsync(bob, alice.Name);
        await bobScreen.WaitForAsync($"{alice.Name}: are you there?");
        await bobScreen.TypeAsync("yes, here");
        await Task.Delay(300); // a person types before pressing Enter: the typing notice leaves first
        await bobScreen.KeysAsync("Enter");
        await bobScreen.WaitForAsync("you: yes, here ✓");

        // bob's envelopes reach alice in the order he sent them: a receipt or a notice would come before the message
        var kinds = new List<string>();
        for (var line = ""; !line.Contains("yes, here", StringComparison.Ordinal);)
        {
            line = await follow.WaitForLineAsync(l => l.StartsWith('{'));
            kinds.Add(System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("type").GetString()!);
        }

        kinds.Where(t => t is "read" or "typing" or "message").ShouldBe(on ? ["read", "typing", "message"] : ["message"]);

        // /set shows and changes them on the screen too
        await bobScreen.SubmitAsync("/set");
        await bobScreen.WaitForAsync($"typing          {(on ? "on" : "off")}");
        await CloseAsync(bobScreen);
        await bobScreen.SubmitAsync($"/set read-receipts {(on ? "off" : "on")}");
        await bobScreen.WaitForAsync($"read-receipts is {(on ? "off" : "on")}.");
        await bobScreen.QuitAsync();
        (await bob.OkAsync("settings")).Stdout.ShouldContain($"read-receipts   {(on ? "off" : "on")}");
    }

    /// <summary>
    /// Closes a panel with Esc and waits until it is gone: a key typed right after Esc would reach the
    /// program as Alt+key, as it does in any terminal.
    /// </summary>
    private static async Task CloseAsync(TmuxScreen screen)
    {
        // the panel's last row first: a capture taken while the panel is still being drawn lacks it,
        // and would pass the wait below before the Esc was even read
        await screen.WaitForAsync("Esc closes this");
        await screen.KeysAsync("Escape");
        await screen.WaitForAsync(s => !s.Contains("Esc closes this", StringComparison.Ordinal), "the panel closed");
    }

    /// <summary>
    /// An open panel's rows, right of the conversation list, from below the header down to the panel's last row (the
    /// one that says how to go on); empty when no panel is open.
    /// </summary>
    private static List<string> PanelLines(string screen)
    {
        var rows = screen.Split('\n');
        var footer = Array.FindIndex(rows, r => r.Contains("Esc closes this", StringComparison.Ordinal));
        return footer < 1 ? [] : [.. rows[1..footer].Select(r => r[(r.IndexOf('│') + 1)..].TrimEnd())];
    }

    /// <summary>The conversation list's rows (left of the line) that contain <paramref name="text"/>.</summary>
    private static IEnumerable<string> ListRows(string screen, string text) =>
        TmuxScreen.RowsWith(screen, text).Select(r => r.Split('│')[0].TrimEnd()).Where(r => r.Contains(text, StringComparison.Ordinal));
}
