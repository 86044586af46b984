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

    /// <summary><c>[time] (conversation) author: text</c>; notices as <c>* text</c>.</summary>
    public static string Line(StoredMessage m, string? conversationTitle)
    {
        var where = conversationTitle is null ? "" : conversationTitle + "  ";
        var text = Safe(m.Text).ReplaceLineEndings("\n    ");
        return m.Kind == StoredMessage.KindNotice
            ? $"[{Time(m.ReceivedAt)}] {where}* {text}"
            : $"[{Time(m.SentAt)}] {where}{(m.Direction == MessageDirection.Outgoing ? "you" : m.Author)}: {text}{Mark(m)}";
    }

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

    public static void Event(MessengerEvent e, IReadOnlyList<GroupRecord> groups, bool verbose)
    {
        switch (e)
        {
            case MessageReceived m:
                Console.WriteLine(Line(m.Message, Title(m.Message.Conversation, groups)));
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
