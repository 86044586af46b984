using System.Threading.Channels;
using Parley.Cli.Messaging;
using Parley.Client.Messaging;
using Parley.Client.Messenger;
using Parley.Client.Profiles;

namespace Parley.Cli.Chat;

/// <summary>
/// What the chat screen shows and does, apart from drawing: the conversation list, the open
/// conversation's loaded history, presence, typing, the connection, the banner, and the work the user
/// asks for. Its state changes on the UI thread only (<see cref="_post"/>); the messenger is called
/// from one worker, in the order the user asked, so two sends never overtake each other.
/// </summary>
internal sealed class ChatSession
{
    public const int PageSize = 200;
    private static readonly TimeSpan TypingRenewal = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan TypingPause = TimeSpan.FromSeconds(5);

    private readonly Client.Messenger.Messenger _m;
    private readonly Action<Action> _post;
    private readonly TimeProvider _time;
    private readonly Channel<Func<Task>> _work = Channel.CreateUnbounded<Func<Task>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, HistoryEntry> _byUid = new(StringComparer.Ordinal);
    private readonly HashSet<string> _online = new(StringComparer.Ordinal);
    private Dictionary<string, Contact> _contacts = new(StringComparer.Ordinal);
    private Dictionary<string, GroupRecord> _groups = new(StringComparer.Ordinal);
    private DateTimeOffset _feedbackUntil;
    private string? _typingIn;
    private DateTimeOffset _typingSentAt;
    private DateTimeOffset _lastKeystroke;
    private bool _loadingOlder;

    public ChatSession(Client.Messenger.Messenger messenger, Action<Action> post, TimeProvider? time = null)
    {
        _m = messenger;
        _post = post;
        _time = time ?? TimeProvider.System;
        Typing = new TypingIndicators(_time);
        Commands = new SlashCommands(this);
    }

    /// <summary>Something visible changed: the screen redraws.</summary>
    public event Action? Changed;

    public Client.Messenger.Messenger Messenger => _m;

    /// <summary>Runs <paramref name="action"/> on the UI thread.</summary>
    public void Post(Action action) => _post(action);

    public SlashCommands Commands { get; }

    public TypingIndicators Typing { get; }

    public InputHistory InputLines { get; } = new();

    public List<ConversationEntry> Entries { get; private set; } = [];

    public ConversationEntry? Current { get; private set; }

    /// <summary>The open conversation's history as far as it is loaded, oldest first.</summary>
    public List<HistoryEntry> History { get; } = [];

    /// <summary>Whether the loaded history starts at the conversation's first message.</summary>
    public bool AtStart { get; private set; } = true;

    /// <summary>Rows scrolled up from the newest (0: the newest message is on screen).</summary>
    public int Scroll { get; set; }

    /// <summary>An entry the history pane should bring into view (a search match), then forget.</summary>
    public HistoryEntry? Reveal { get; set; }

    /// <summary>The entry marked as the last search match.</summary>
    public HistoryEntry? Match { get; private set; }

    public Panel? Panel { get; set; }

    /// <summary>Rows scrolled down from the top of the panel.</summary>
    public int PanelScroll { get; set; }

    /// <summary>The history pane's width in cells, as last drawn.</summary>
    public int Width { get; set; } = 60;

    public bool Connected { get; private set; }

    public string? ConnectionProblem { get; private set; } = "connecting…";

    public string? Feedback { get; private set; }

    public MessengerSettings Settings { get; private set; } = MessengerSettings.Default;

    /// <summary>Loads the lists and opens <paramref name="initial"/> (a conversation id), or the most recent conversation.</summary>
    public async Task StartAsync(string? initial, CancellationToken cancellationToken)
    {
        _ = Task.Run(() => WorkAsync(cancellationToken), CancellationToken.None);
        var settings = await Task.Run(_m.Settings, cancellationToken).ConfigureAwait(false);
        var lists = await Task.Run(ReadLists, cancellationToken).ConfigureAwait(false);
        _post(() =>
        {
            Settings = settings;
            ApplyLists(lists, initial);
            // Without a conversation named, the first with unread messages opens, else the most recent.
            var first = initial ?? (Entries.FirstOrDefault(e => e.Unread > 0) ?? Entries.FirstOrDefault())?.Id;
            if (first is not null)
            {
                Open(first);
            }

            Changed?.Invoke();
        });
    }

    // ---------------------------------------------------------------- events from the messenger

    /// <summary>One event from <see cref="Client.Messenger.Messenger.FollowAsync"/> (on the UI thread).</summary>
    public void Apply(MessengerEvent e)
    {
        switch (e)
        {
            case MessageReceived { Message: var message }:
                Typing.Set(message.Conversation, message.Author, false);
                if (Current?.Id == message.Conversation)
                {
                    Append(message);
                    if (Scroll == 0 && Panel is null && message.Direction == MessageDirection.Incoming && message.Kind == StoredMessage.KindText)
                    {
                        Enqueue(() => _m.MarkReadAsync(message.Conversation));
                    }
                }

                var unread = message.Direction == MessageDirection.Incoming && message.Kind == StoredMessage.KindText
                    && (Current?.Id != message.Conversation || Scroll > 0 || Panel is not null);
                if (!Touch(message.Conversation, message.ReceivedAt, unread ? 1 : 0) || message.Kind == StoredMessage.KindNotice)
                {
                    RefreshLists(); // a conversation, contact or group the list does not show yet, or one that changed
                }

                break;
            case DeliveryChanged d when _byUid.TryGetValue(d.Uid, out var entry):
                entry.Update(entry.Message with { State = d.State, DeliveredTo = d.DeliveredTo });
                break;
            case MessageRead r when _byUid.TryGetValue(r.Uid, out var entry):
                entry.Update(entry.Message with { ReadBy = r.ReadBy });
                break;
            case TypingChanged t:
                Typing.Set(t.Conversation, t.User, t.Typing);
                break;
            case GroupNamed:
                RefreshLists();
                break;
            case IdentityChanged c:
                Say($"{c.User}'s safety number has changed: sending to them is blocked (see the banner in their conversation)");
                RefreshLists();
                break;
            case PresenceChanged p:
                _ = p.Online ? _online.Add(p.User) : _online.Remove(p.User);
                Entries = [.. Entries.Select(x => x.IsGroup || x.Id != ConversationId.Direct(p.User) ? x : x with { Online = p.Online })];
                break;
            case ConnectionChanged c:
                Connected = c.Connected;
                ConnectionProblem = c.Problem;
                if (c.Connected)
                {
                    Enqueue(RefreshPresenceAsync);
                    ReloadCurrent(); // what waited in the outbox went out: the marks moved on
                }

                break;
            case EnvelopeDropped d:
                Say($"dropped a message from {Display.Safe(d.Sender)}: {d.Reason}");
                break;
        }

        Changed?.Invoke();
    }

    // ---------------------------------------------------------------- what the user does

    public void SelectNext(int step)
    {
        if (Entries.Count == 0)
        {
            return;
        }

        var index = Current is null ? -1 : Entries.FindIndex(e => e.Id == Current.Id);
        var next = ((index + step) % Entries.Count + Entries.Count) % Entries.Count;
        Open(Entries[next].Id);
    }

    /// <summary>Opens the next conversation with unread messages (Tab).</summary>
    public void SelectNextUnread()
    {
        var index = Current is null ? -1 : Entries.FindIndex(e => e.Id == Current.Id);
        for (var i = 1; i <= Entries.Count; i++)
        {
            var candidate = Entries[(index + i) % Entries.Count];
            if (candidate.Unread > 0)
            {
                Open(candidate.Id);
                return;
            }
        }

        Say("no unread messages");
    }

    /// <summary>Opens a conversation by id (<c>@user</c>, <c>#groupid</c>); an unknown user gets a new, empty one.</summary>
    public void Open(string id)
    {
        StopTyping();
        if (Entries.All(e => e.Id != id))
        {
            Entries = [.. Entries, NewEntry(id, null)];
        }

        Current = Entries.First(e => e.Id == id);
        History.Clear();
        _byUid.Clear();
        Scroll = 0;
        Match = null;
        Panel = null;
        AtStart = false;
        Enqueue(async () =>
        {
            var page = await _m.PageAsync(id, PageSize).ConfigureAwait(false);
            _post(() =>
            {
                if (Current?.Id != id)
                {
                    return;
                }

                Prepend(page);
                AtStart = page.Count < PageSize;
                Changed?.Invoke();
            });
            await MarkReadAsync(id).ConfigureAwait(false);
        });
        Changed?.Invoke();
    }

    /// <summary>Loads an older page of the open conversation (scrolling or searching past what is loaded).</summary>
    public void LoadOlder(Action? then = null)
    {
        if (AtStart || _loadingOlder || Current is null)
        {
            return;
        }

        _loadingOlder = true;
        var id = Current.Id;
        var before = History.Count > 0 ? History[0].Message.RowId : long.MaxValue;
        Enqueue(async () =>
        {
            var page = await _m.PageAsync(id, PageSize, before).ConfigureAwait(false);
            _post(() =>
            {
                _loadingOlder = false;
                if (Current?.Id != id)
                {
                    return;
                }

                Prepend(page);
                AtStart = page.Count < PageSize;
                then?.Invoke();
                Changed?.Invoke();
            });
        }, () => _loadingOlder = false);
    }

    /// <summary>The user scrolled back to the newest message: what arrived meanwhile counts as read.</summary>
    public void ScrolledToBottom()
    {
        if (Current is { Unread: > 0 } current)
        {
            Enqueue(() => MarkReadAsync(current.Id));
        }
    }

    /// <summary>Enter in the input line: a slash command, or a message to the open conversation.</summary>
    public void Submit(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        InputLines.Add(text);
        if (text.StartsWith('/') && !text.StartsWith("//", StringComparison.Ordinal))
        {
            Commands.Run(text);
            Changed?.Invoke();
            return;
        }

        Send(text.StartsWith("//", StringComparison.Ordinal) ? text[1..] : text);
    }

    private void Send(string text) => SendToCurrent(id => _m.SendTextAsync(id, text), endsTyping: true);

    /// <summary>Sends a file to the open conversation (<c>/attach</c>): sealed and uploaded, then announced like a message.</summary>
    public void SendFile(string path)
    {
        Say($"uploading {Display.Safe(Path.GetFileName(path))}…");
        SendToCurrent(id => _m.SendFileAsync(id, path), endsTyping: false);
    }

    /// <summary>Sets the open conversation's disappearing-message timer (<c>/timer</c>; zero turns it off).</summary>
    public void SetTimer(TimeSpan timer) => SendToCurrent(id => _m.SetTimerAsync(id, timer), endsTyping: false);

    /// <summary>One message of any kind to the open conversation, unless its banner blocks sending; shown as it is queued.</summary>
    private void SendToCurrent(Func<string, Task<SendResult>> send, bool endsTyping)
    {
        if (Current is not { } current)
        {
            Say("no conversation is open: /open <user> or /open #group");
            return;
        }

        if (Blocked(current) is { } reason)
        {
            Say(reason);
            return;
        }

        if (endsTyping)
        {
            _typingIn = null; // the message itself ends the typing notice on their side
        }

        Scroll = 0;
        Enqueue(async () =>
        {
            var result = await send(current.Id).ConfigureAwait(false);
            _post(() =>
            {
                if (Current?.Id == current.Id)
                {
                    Append(result.Message);
                }

                Touch(current.Id, result.Message.SentAt, 0);
                if (!result.Queued)
                {
                    Say(result.Problem ?? "not sent yet: it waits in the outbox");
                }

                Changed?.Invoke();
            });
        });
        Changed?.Invoke();
    }

    /// <summary>The input changed: tell the other side that the user is typing (at most every few seconds).</summary>
    public void Typed(string text)
    {
        var now = _time.GetUtcNow();
        _lastKeystroke = now;
        if (Current is not { } current || string.IsNullOrEmpty(text) || text.StartsWith('/') || !Settings.Typing || Blocked(current) is not null)
        {
            return;
        }

        if (_typingIn != current.Id || now - _typingSentAt >= TypingRenewal)
        {
            if (_typingIn is { } other && other != current.Id)
            {
                StopTyping();
            }

            _typingIn = current.Id;
            _typingSentAt = now;
            Enqueue(() => _m.SendTypingAsync(current.Id, true));
        }
    }

    /// <summary>Called every second: typing notices fade; a pause in typing sends "stopped".</summary>
    public void Tick()
    {
        var changed = Typing.Prune();
        if (_typingIn is not null && _time.GetUtcNow() - _lastKeystroke >= TypingPause)
        {
            StopTyping();
        }

        if (Feedback is not null && _time.GetUtcNow() >= _feedbackUntil)
        {
            Feedback = null;
            changed = true;
        }

        if (changed)
        {
            Changed?.Invoke();
        }
    }

    /// <summary>Finds the next older message containing <paramref name="query"/>, loading older pages as needed.</summary>
    public void Search(string query)
    {
        if (query.Length == 0 || Current is null)
        {
            return;
        }

        var start = Match is null ? History.Count - 1 : History.IndexOf(Match) - 1;
        for (var i = start; i >= 0; i--)
        {
            if (Display.Safe(History[i].Message.Text).Contains(query, StringComparison.OrdinalIgnoreCase))
            {
                Match = History[i];
                Reveal = Match;
                Say($"found: {Display.Time(Match.Message.SentAt)} (Enter: older, Esc: done)");
                Changed?.Invoke();
                return;
            }
        }

        if (AtStart)
        {
            Say($"no {(Match is null ? "" : "older ")}message contains \"{Display.Safe(query)}\"");
            Changed?.Invoke();
            return;
        }

        // Mark where the loaded part started, load the page before it, and go on from there.
        var oldest = History.Count > 0 ? History[0] : null;
        Say("searching older messages…");
        LoadOlder(() =>
        {
            Match = oldest; // the search goes on just before what was loaded so far
            Search(query);
        });
    }

    public void EndSearch()
    {
        Match = null;
        Changed?.Invoke();
    }

    /// <summary>A line in the status bar for a few seconds (results of commands, refusals).</summary>
    public void Say(string text)
    {
        Feedback = text.ReplaceLineEndings(" ");
        _feedbackUntil = _time.GetUtcNow() + TimeSpan.FromSeconds(8);
        Changed?.Invoke();
    }

    public void ShowPanel(Panel panel)
    {
        Panel = panel;
        PanelScroll = 0;
        Changed?.Invoke();
    }

    // ---------------------------------------------------------------- the banner

    /// <summary>Why sending in <paramref name="entry"/> is held back, or null.</summary>
    public string? Blocked(ConversationEntry entry) => BannerOf(entry) is null ? null
        : "sending is blocked here until you accept the change: compare with /verify, then /trust";

    /// <summary>The warning that stands above a conversation while a contact's key changed or a session was reset.</summary>
    public string? BannerOf(ConversationEntry entry)
    {
        if (!entry.IsGroup)
        {
            var user = ConversationId.Subject(entry.Id);
            if (!_contacts.TryGetValue(user, out var contact))
            {
                return null;
            }

            if (contact.Trust == ContactTrust.Changed)
            {
                return $"⚠ {user}'s safety number has changed. This can mean someone is intercepting, or that {user} reinstalled Parley. " +
                    "Sending is blocked: compare with /verify, then accept with /trust.";
            }

            return contact.SessionResetAt is { } at
                ? $"⚠ {user} reset the secure session ({Display.Time(at)}). If you did not expect it, compare with /verify. Sending is held until you continue with /trust."
                : null;
        }

        var changed = _groups.TryGetValue(ConversationId.Subject(entry.Id), out var group)
            ? group.Members.Select(x => x.Username).Where(u => _contacts.TryGetValue(u, out var c) && c.Trust == ContactTrust.Changed).ToList()
            : [];
        return changed.Count == 0 ? null
            : $"⚠ the safety number of {string.Join(", ", changed)} has changed. Sending to this group is blocked: compare with /verify <user>, then /trust <user>.";
    }

    public Contact? ContactOf(string user) => _contacts.GetValueOrDefault(user);

    public GroupRecord? GroupOf(ConversationEntry entry) => entry.IsGroup ? _groups.GetValueOrDefault(ConversationId.Subject(entry.Id)) : null;

    // ---------------------------------------------------------------- work and lists

    /// <summary>Runs <paramref name="work"/> on the worker, after what was asked before; a failure becomes a line in the status bar.</summary>
    public void Enqueue(Func<Task> work, Action? onFailure = null) => _work.Writer.TryWrite(async () =>
    {
        try
        {
            await work().ConfigureAwait(false);
        }
        catch (Exception e) when (Describe(e) is { } text)
        {
            _post(() =>
            {
                onFailure?.Invoke();
                Say(text);
                if (e is MessengerException { Failure: MessengerFailure.IdentityChanged })
                {
                    RefreshLists();
                }
            });
        }
    });

    public void Enqueue<T>(Func<Task<T>> work) => Enqueue(async () => { await work().ConfigureAwait(false); });

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var job in _work.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await job().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The one line a failure shows; null for what is not expected (it ends the screen with its error).</summary>
    public static string? Describe(Exception e) => e switch
    {
        MessengerException m => m.Message,
        MessagingApiException { Type: MessagingApiException.NetworkType } => "the server could not be reached; try again when the status bar says connected",
        MessagingApiException a => "the server refused: " + (a.Detail ?? a.Type),
        ProfileException p => p.Message,
        HttpRequestException or TaskCanceledException => "the server could not be reached",
        IOException io => io.Message,
        _ => null,
    };

    /// <summary>Reads contacts, groups and conversations again (after a change the events do not describe).</summary>
    public void RefreshLists() => Enqueue(async () =>
    {
        var lists = await Task.Run(ReadLists).ConfigureAwait(false);
        _post(() =>
        {
            ApplyLists(lists, null);
            Changed?.Invoke();
        });
    });

    public void RefreshSettings() => Enqueue(async () =>
    {
        var settings = await Task.Run(_m.Settings).ConfigureAwait(false);
        _post(() => Settings = settings);
    });

    private (IReadOnlyList<ConversationRecord>, IReadOnlyList<Contact>, IReadOnlyList<GroupRecord>) ReadLists() =>
        (_m.Conversations(), _m.Contacts(), _m.Groups());

    private void ApplyLists((IReadOnlyList<ConversationRecord> Conversations, IReadOnlyList<Contact> Contacts, IReadOnlyList<GroupRecord> Groups) lists, string? extra)
    {
        _contacts = lists.Contacts.ToDictionary(c => c.Username, StringComparer.Ordinal);
        _groups = lists.Groups.ToDictionary(g => g.Id, StringComparer.Ordinal);
        var entries = new Dictionary<string, ConversationEntry>(StringComparer.Ordinal);
        foreach (var c in lists.Conversations)
        {
            entries[c.Id] = NewEntry(c.Id, c);
        }

        foreach (var c in lists.Contacts)
        {
            entries.TryAdd(ConversationId.Direct(c.Username), NewEntry(ConversationId.Direct(c.Username), null));
        }

        foreach (var g in lists.Groups.Where(g => g.Standing != GroupStanding.Gone))
        {
            entries.TryAdd(ConversationId.Group(g.Id), NewEntry(ConversationId.Group(g.Id), null));
        }

        foreach (var id in new[] { extra, Current?.Id })
        {
            if (id is not null)
            {
                entries.TryAdd(id, NewEntry(id, null));
            }
        }

        // The open conversation is being read: its count stays at what the screen knows.
        if (Current is not null && entries.TryGetValue(Current.Id, out var open) && Scroll == 0 && Panel is null)
        {
            entries[Current.Id] = open with { Unread = 0 };
        }

        Entries = Sorted(entries.Values);
        Current = Current is null ? null : Entries.First(e => e.Id == Current.Id);
    }

    private ConversationEntry NewEntry(string id, ConversationRecord? record)
    {
        var at = record?.LastActivity ?? DateTimeOffset.MinValue;
        var unread = record?.Unread ?? 0;
        if (ConversationId.IsGroup(id))
        {
            var group = _groups.GetValueOrDefault(ConversationId.Subject(id));
            var title = "#" + (group is { Name.Length: > 0 } ? Display.Safe(group.Name) : ConversationId.Subject(id));
            return new ConversationEntry(id, title, unread, at, false, false, false, group?.Members.Count ?? 0, group?.Standing == GroupStanding.Invited);
        }

        var user = ConversationId.Subject(id);
        var contact = _contacts.GetValueOrDefault(user);
        return new ConversationEntry(id, id, unread, at, _online.Contains(user), contact?.Verified == true,
            contact?.Trust == ContactTrust.Changed, null, false);
    }

    private static List<ConversationEntry> Sorted(IEnumerable<ConversationEntry> entries) =>
        [.. entries.OrderByDescending(e => e.LastActivity).ThenBy(e => e.Title, StringComparer.OrdinalIgnoreCase)];

    /// <summary>Moves a conversation up the list and counts unread messages; false when the list does not show it yet.</summary>
    private bool Touch(string id, DateTimeOffset at, int unread)
    {
        var index = Entries.FindIndex(e => e.Id == id);
        if (index < 0)
        {
            return false;
        }

        var entry = Entries[index];
        var updated = entry with { LastActivity = at > entry.LastActivity ? at : entry.LastActivity, Unread = entry.Unread + unread };
        Entries = Sorted(Entries.Select(e => e.Id == id ? updated : e));
        if (Current?.Id == id)
        {
            Current = updated;
        }

        return true;
    }

    private async Task MarkReadAsync(string id)
    {
        await _m.MarkReadAsync(id).ConfigureAwait(false);
        _post(() =>
        {
            Entries = [.. Entries.Select(e => e.Id == id ? e with { Unread = 0 } : e)];
            if (Current?.Id == id)
            {
                Current = Entries.First(e => e.Id == id);
            }

            Changed?.Invoke();
        });
    }

    private async Task RefreshPresenceAsync()
    {
        var online = await _m.OnlineAsync().ConfigureAwait(false);
        _post(() =>
        {
            _online.Clear();
            _online.UnionWith(online);
            Entries = [.. Entries.Select(x => x.IsGroup ? x : x with { Online = _online.Contains(ConversationId.Subject(x.Id)) })];
            Changed?.Invoke();
        });
    }

    /// <summary>Reads the newest page of the open conversation again (delivery marks after a reconnect).</summary>
    private void ReloadCurrent()
    {
        if (Current is not { } current)
        {
            return;
        }

        Enqueue(async () =>
        {
            var page = await _m.PageAsync(current.Id, PageSize).ConfigureAwait(false);
            _post(() =>
            {
                if (Current?.Id != current.Id)
                {
                    return;
                }

                foreach (var message in page)
                {
                    if (_byUid.TryGetValue(message.Uid, out var entry))
                    {
                        entry.Update(message);
                    }
                    else
                    {
                        Append(message);
                    }
                }

                Changed?.Invoke();
            });
        });
    }

    private void StopTyping()
    {
        if (_typingIn is { } id)
        {
            _typingIn = null;
            Enqueue(() => _m.SendTypingAsync(id, false));
        }
    }

    private void Append(StoredMessage message)
    {
        if (_byUid.TryGetValue(message.Uid, out var known))
        {
            known.Update(message);
            return;
        }

        var entry = new HistoryEntry(message);
        _byUid[message.Uid] = entry;
        var newDay = History.Count == 0 || History[^1].Day != entry.Day;
        History.Add(entry);
        if (Scroll > 0)
        {
            Scroll += entry.Rows(Width, newDay).Length; // scrolled back: what is on screen stays where it is
        }
    }

    private void Prepend(IReadOnlyList<StoredMessage> page)
    {
        var older = page.Where(m => !_byUid.ContainsKey(m.Uid)).Select(m => new HistoryEntry(m)).ToList();
        foreach (var entry in older)
        {
            _byUid[entry.Message.Uid] = entry;
        }

        History.InsertRange(0, older);
    }
}
