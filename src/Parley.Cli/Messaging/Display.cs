using System.Globalization;
using Parley.Client.Messenger;
using Parley.Client.Profiles;

namespace Parley.Cli.Messaging;

/// <summary>How messages and notices look on a terminal (and in plain pipes): one line each.</summary>
internal static class Display
{
    public static string Time(DateTimeOffset t) => t.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>The delivery mark of an outgoing message: … pending, ✓ sent, ✓✓ delivered, ✗ failed.</summary>
    public static string Mark(StoredMessage m) => m.Direction == MessageDirection.Incoming ? "" : m.State switch
    {
        DeliveryState.Pending => " …",
        DeliveryState.Sent => " ✓",
        DeliveryState.Delivered => " ✓✓",
        DeliveryState.Failed => " ✗ (not sent)",
        _ => "",
    };

    /// <summary><c>[time] (conversation) author: text</c>; notices as <c>* text</c>; files as <c>📎 name (size)</c>; ⏱ marks a disappearing message.</summary>
    public static string Line(StoredMessage m, string? conversationTitle)
    {
        var where = conversationTitle is null ? "" : conversationTitle + "  ";
        var text = m.File is { } file
            ? $"📎 {Safe(file.Name)} ({Size(file.Size)}){(file.SavedAs is { } path ? " saved as " + Safe(path) : "")}"
            : Safe(m.Text).ReplaceLineEndings("\n    ");
        var disappearing = m.ExpiresAt is null ? "" : " ⏱";
        return m.Kind == StoredMessage.KindNotice
            ? $"[{Time(m.ReceivedAt)}] {where}* {text}"
            : $"[{Time(m.SentAt)}] {where}{(m.Direction == MessageDirection.Outgoing ? "you" : m.Author)}: {text}{Mark(m)}{disappearing}";
    }

    /// <summary>"512 bytes", "1.4 MB", "2.1 GB" (decimal units).</summary>
    public static string Size(long bytes) => bytes switch
    {
        < 1000 => $"{bytes} bytes",
        < 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e3:0.#} kB"),
        < 1_000_000_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0.#} MB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:0.##} GB"),
    };

    /// <summary>
    /// Text from someone else, made harmless for a terminal: control characters (escape sequences could
    /// move the cursor, rewrite earlier lines or fake a warning) and invisible format characters (bidi
    /// overrides could disguise a line) become U+FFFD; line breaks, tabs and the zero-width joiners stay.
    /// </summary>
    public static string Safe(string text)
    {
        if (!text.Any(Unsafe))
        {
            return text;
        }

        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (Unsafe(chars[i]))
            {
                chars[i] = '\uFFFD';
            }
        }

        return new string(chars);
    }

    private static bool Unsafe(char c) =>
        (char.IsControl(c) && c is not ('\n' or '\t' or '\r'))
        || (char.GetUnicodeCategory(c) == UnicodeCategory.Format && c is not ('\u200C' or '\u200D')) // joiners build emoji and scripts
        || c is '\u2028' or '\u2029';

    /// <summary>How a conversation is named for people: <c>@bob</c>, or <c>#Team</c> (the group's name).</summary>
    public static string Title(string conversation, IReadOnlyList<GroupRecord> groups)
    {
        if (!ConversationId.IsGroup(conversation))
        {
            return conversation;
        }

        var id = ConversationId.Subject(conversation);
        return groups.FirstOrDefault(g => g.Id == id) is { Name: { Length: > 0 } name } ? "#" + Safe(name) : "#" + id;
    }

    /// <summary>One event; <paramref name="saving"/>: received files are saved right after (no hint how to save them).</summary>
    public static void Event(MessengerEvent e, IReadOnlyList<GroupRecord> groups, bool verbose, bool saving = false)
    {
        switch (e)
        {
            case MessageReceived { Message: { Kind: StoredMessage.KindAttachment, Direction: MessageDirection.Incoming } file } when !saving:
                Console.WriteLine(Line(file, Title(file.Conversation, groups)) + $"  (save: parley attachment save {AttachmentCommands.ShortId(file.Uid)})");
                break;
            case MessageReceived m:
                Console.WriteLine(Line(m.Message, Title(m.Message.Conversation, groups)));
                break;
            case MessagesExpired x when verbose:
                Console.WriteLine($"{Title(x.Conversation, groups)}: {x.Uids.Count} disappearing message{(x.Uids.Count == 1 ? "" : "s")} deleted");
                break;
            case IdentityChanged c:
                Console.Error.WriteLine($"parley: WARNING: {c.User}'s safety number has changed. Sending to {c.User} is blocked until you run 'parley contacts trust {c.User}' (compare first with 'parley verify {c.User}').");
                break;
            case EnvelopeDropped d:
                Console.Error.WriteLine($"parley: dropped a message from {Safe(d.Sender)}: {d.Reason}");
                break;
            case DeliveryChanged d when verbose:
                Console.WriteLine($"{Title(d.Conversation, groups)}: message {d.Uid} {JsonLines.StateName(d.State)}");
                break;
            case ConnectionChanged c when !c.Connected:
                Console.Error.WriteLine($"parley: {c.Problem}");
                break;
            case TypingChanged t when verbose:
                Console.WriteLine($"{Title(t.Conversation, groups)}: {t.User} {(t.Typing ? "is typing" : "stopped typing")}");
                break;
            case MessageRead r when verbose:
                Console.WriteLine($"{Title(r.Conversation, groups)}: message {r.Uid} read by {string.Join(", ", r.ReadBy)}");
                break;
            case PresenceChanged p when verbose:
                Console.WriteLine($"{p.User} is {(p.Online ? "online" : "offline")}");
                break;
        }
    }
}
