using Parley.Cli.Messaging;
using Parley.Client.Messenger;
using Parley.Client.Profiles;
using Parley.Client.Secrets;

namespace Parley.Cli.Chat;

/// <summary>
/// The screen's slash commands: what the one-shot CLI commands do, applied to the open conversation.
/// Each is an entry in a table (<see cref="Register"/>): the help lists them from it.
/// </summary>
internal sealed class SlashCommands
{
    private readonly ChatSession _s;
    private readonly Dictionary<string, SlashCommand> _commands = new(StringComparer.OrdinalIgnoreCase);

    public SlashCommands(ChatSession session)
    {
        _s = session;
        Register(new("help", "/help", "keys and commands", _ => _s.ShowPanel(HelpPanel())));
        Register(new("open", "/open <user|#group>", "open a conversation (a new one with a user)", Open));
        Register(new("verify", "/verify [user] [mark]", "the safety number; 'mark' marks the contact verified after you compared", Verify));
        Register(new("trust", "/trust [user]", "accept a changed safety number, or continue after a session reset", Trust));
        Register(new("add", "/add <user>", "add a contact (they may see when you are online)", a => WithUser(a, u => _s.Messenger.AddContactAsync(u), u => $"Added {u}.")));
        Register(new("reset", "/reset [user]", "renew the secure session (they are told)", Reset));
        Register(new("create", "/create <name> [users…]", "create a group with you as admin and invite users", Create));
        Register(new("invite", "/invite <users…>", "invite users to this group (admins)", Invite));
        Register(new("remove", "/remove <user>", "remove a member from this group (admins)", Remove));
        Register(new("accept", "/accept", "accept the invitation to this group", a => InGroup(g => _s.Messenger.AcceptInvitationAsync(g), "Joined")));
        Register(new("leave", "/leave", "leave this group, or decline its invitation", a => InGroup(g => _s.Messenger.LeaveGroupAsync(g), "Left")));
        Register(new("rekey", "/rekey", "replace your key for this group now", a => InGroup(g => _s.Messenger.RekeyGroupAsync(g), "Replaced your key in")));
        Register(new("set", "/set [typing|read-receipts on|off]", "show or change what you tell others", Set));
        Register(new("search", "/search <text>", "find an older message (also Ctrl-F)", a => _s.Search(string.Join(' ', a))));
        Register(new("timer", "/timer <30s|5m|1h|1d|1w|off>", "disappearing messages in this conversation (both sides delete)", Timer));
        Register(new("attach", "/attach <file>", "send a file (sealed on this machine, then uploaded)", Attach));
        Register(new("quit", "/quit", "leave the chat screen (also Ctrl-Q or Ctrl-C)", _ => QuitRequested?.Invoke()));
    }

    /// <summary>/quit was entered.</summary>
    public event Action? QuitRequested;

    public IEnumerable<SlashCommand> All => _commands.Values.OrderBy(c => c.Name, StringComparer.Ordinal);

    /// <summary>Adds a command, or replaces one (a placeholder) of the same name.</summary>
    public void Register(SlashCommand command) => _commands[command.Name] = command;

    /// <summary>Runs one line that starts with '/'. Bad input says what is wrong and changes nothing.</summary>
    public void Run(string line)
    {
        var words = line[1..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0 || !_commands.TryGetValue(words[0], out var command))
        {
            _s.Say(words.Length == 0 ? "type a command after '/' (see /help)" : $"unknown command /{Display.Safe(words[0])} (see /help)");
            return;
        }

        command.Run(words[1..]);
    }

    private void Timer(string[] args)
    {
        TimeSpan? timer = args switch
        {
            ["off" or "0"] => TimeSpan.Zero,
            [var text] when Durations.TryParse(text, out var seconds) => TimeSpan.FromSeconds(seconds),
            _ => null,
        };
        if (timer is null)
        {
            _s.Say("usage: /timer <duration|off>, e.g. /timer 1h (30s, 5m, 1h, 1d, 1w)");
            return;
        }

        _s.SetTimer(timer.Value);
    }

    private void Attach(string[] args)
    {
        if (args.Length == 0)
        {
            _s.Say("usage: /attach <file>");
            return;
        }

        // A path with spaces arrives in several words: they are one path.
        var path = string.Join(' ', args);
        if (path.StartsWith("~/", StringComparison.Ordinal))
        {
            path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..]);
        }

        _s.SendFile(Path.GetFullPath(path));
    }

    private void Open(string[] args)
    {
        if (args.Length != 1)
        {
            _s.Say("usage: /open <user|#group>");
            return;
        }

        var target = args[0];
        if (target.StartsWith('#'))
        {
            _s.Enqueue(async () =>
            {
                var group = await Task.Run(() => _s.Messenger.FindGroup(target)).ConfigureAwait(false);
                Post(() => _s.Open(ConversationId.Group(group.Id)));
            });
            return;
        }

        if (ConversationId.CanonicalUsername(target) is not { } user)
        {
            _s.Say($"'{Display.Safe(target)}' is not a username");
            return;
        }

        if (user == _s.Messenger.Username)
        {
            _s.Say("that is you");
            return;
        }

        _s.Open(ConversationId.Direct(user));
    }

    private void Verify(string[] args)
    {
        var mark = args.Length > 0 && args[^1].Equals("mark", StringComparison.OrdinalIgnoreCase);
        var rest = mark ? args[..^1] : args;
        if (UserOf(rest, "/verify [user] [mark]") is not { } user)
        {
            return;
        }

        _s.Enqueue(async () =>
        {
            var v = await _s.Messenger.VerifyAsync(user, mark).ConfigureAwait(false);
            Post(() =>
            {
                var groups = v.Number.Grouped.Split(' ');
                var state = v.Contact.Trust == ContactTrust.Changed ? "CHANGED, not accepted" : v.Contact.Verified ? "verified" : "not verified";
                _s.ShowPanel(new Panel($"Safety number with {user} ({state})",
                [
                    string.Join(' ', groups[..6]),
                    string.Join(' ', groups[6..]),
                    "",
                    string.Join(' ', v.Number.Emoji.Take(18)),
                    string.Join(' ', v.Number.Emoji.Skip(18)),
                    "",
                    "Compare it with theirs in person or on a call.",
                    mark ? $"{user} is now marked verified." : $"If it matches: /verify {user} mark.",
                ]));
                _s.RefreshLists();
            });
        });
    }

    private void Trust(string[] args)
    {
        if (UserOf(args, "/trust [user]") is not { } user)
        {
            return;
        }

        _s.Enqueue(async () =>
        {
            var contact = await Task.Run(() => _s.Messenger.TrustContact(user)).ConfigureAwait(false);
            Post(() =>
            {
                _s.Say($"You accepted {contact.Username}'s current key; sending works again. It is not verified: compare with /verify {contact.Username}.");
                _s.RefreshLists();
            });
        });
    }

    private void Reset(string[] args)
    {
        if (UserOf(args, "/reset [user]") is not { } user)
        {
            return;
        }

        _s.Enqueue(async () =>
        {
            var result = await _s.Messenger.ResetSessionAsync(user).ConfigureAwait(false);
            Post(() =>
            {
                _s.Say(result.Queued ? $"The secure session with {user} was reset." : result.Problem ?? "the reset waits in the outbox");
                _s.Apply(new MessageReceived(result.Message));
            });
        });
    }

    private void Create(string[] args)
    {
        if (args.Length == 0)
        {
            _s.Say("usage: /create <name> [users…] (a name with spaces: use the CLI, 'parley group create')");
            return;
        }

        _s.Enqueue(async () =>
        {
            var group = await _s.Messenger.CreateGroupAsync(args[0], args[1..]).ConfigureAwait(false);
            Post(() =>
            {
                _s.Say($"Created \"{Display.Safe(group.DisplayName)}\".");
                _s.RefreshLists();
                _s.Open(ConversationId.Group(group.Id));
            });
        });
    }

    private void Invite(string[] args)
    {
        if (args.Length == 0)
        {
            _s.Say("usage: /invite <users…>");
            return;
        }

        InGroup(g => _s.Messenger.InviteAsync(g, args), "Invited " + string.Join(", ", args.Select(Display.Safe)) + " to");
    }

    private void Remove(string[] args)
    {
        if (args.Length != 1)
        {
            _s.Say("usage: /remove <user>");
            return;
        }

        InGroup(g => _s.Messenger.RemoveMemberAsync(g, args[0]), $"Removed {Display.Safe(args[0])} from");
    }

    private void Set(string[] args)
    {
        if (args.Length == 0)
        {
            _s.ShowPanel(new Panel("Settings", [.. _s.Settings.All().Select(x => $"{x.Name,-15} {(x.On ? "on" : "off")}"),
                "", "Change one with /set <name> on|off. When a setting is off, nothing of that kind is sent."]));
            return;
        }

        if (args.Length != 2 || MessengerSettings.ParseSwitch(args[1]) is not { } on)
        {
            _s.Say($"usage: /set <{string.Join('|', MessengerSettings.Names)}> on|off");
            return;
        }

        _s.Enqueue(async () =>
        {
            await Task.Run(() => _s.Messenger.ChangeSetting(args[0], on)).ConfigureAwait(false);
            Post(() =>
            {
                _s.RefreshSettings();
                _s.Say($"{args[0].ToLowerInvariant()} is {(on ? "on" : "off")}.");
            });
        });
    }

    /// <summary>The user an argument names, else the open 1:1 conversation's; null (and a usage line) when neither.</summary>
    private string? UserOf(string[] args, string usage)
    {
        if (args.Length > 1)
        {
            _s.Say("usage: " + usage);
            return null;
        }

        if (args.Length == 1)
        {
            var user = ConversationId.CanonicalUsername(args[0]);
            if (user is null)
            {
                _s.Say($"'{Display.Safe(args[0])}' is not a username");
            }

            return user;
        }

        if (_s.Current is { IsGroup: false } current)
        {
            return ConversationId.Subject(current.Id);
        }

        _s.Say("name a user: " + usage);
        return null;
    }

    private void WithUser(string[] args, Func<string, Task> work, Func<string, string> done)
    {
        if (args.Length != 1 || ConversationId.CanonicalUsername(args[0]) is not { } user)
        {
            _s.Say("name one user");
            return;
        }

        _s.Enqueue(async () =>
        {
            await work(user).ConfigureAwait(false);
            Post(() =>
            {
                _s.Say(done(user));
                _s.RefreshLists();
            });
        });
    }

    /// <summary>Runs a group operation on the open group conversation.</summary>
    private void InGroup(Func<string, Task<GroupRecord>> work, string done)
    {
        if (_s.Current is not { IsGroup: true } current)
        {
            _s.Say("this works in a group conversation");
            return;
        }

        _s.Enqueue(async () =>
        {
            var group = await work(current.Id).ConfigureAwait(false);
            Post(() =>
            {
                _s.Say($"{done} \"{Display.Safe(group.DisplayName)}\".");
                _s.RefreshLists();
            });
        });
    }

    private void Post(Action action) => _s.Post(action);

    /// <summary>Keys one per row, then each command with its description indented under it: fits 80×24's pane of 60 columns.</summary>
    private Panel HelpPanel() => new("Help", [
        "Enter          send (a line starting with // sends one that starts with /)",
        "Ctrl-J         new line (also Ctrl-Enter, Alt-Enter)",
        "Up / Down      your earlier lines (in a one-line input)",
        "Ctrl-N/P       next / previous conversation",
        "Tab            next conversation with unread messages",
        "Alt-1…9        conversation 1…9 of the list",
        "PgUp / PgDn    scroll the history (and this help)",
        "Ctrl-Home/End  oldest / newest",
        "Ctrl-F         search older messages (Enter: next, Esc: done)",
        "Esc            close this, leave the search, clear the input",
        "Ctrl-Q/Ctrl-C  leave (also /quit)",
        "",
        .. All.SelectMany(c => new[] { c.Usage, "    " + c.Help }),
    ]);
}

/// <summary>One slash command: its name, how it is typed, what it does, and the handler (the words after the name).</summary>
internal sealed record SlashCommand(string Name, string Usage, string Help, Action<string[]> Run);
