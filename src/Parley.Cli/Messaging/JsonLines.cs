using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Parley.Client.Messenger;
using Parley.Client.Profiles;

namespace Parley.Cli.Messaging;

/// <summary>
/// The <c>--json</c> output of the messaging commands: one JSON object per line on stdout, each with a
/// <c>type</c> (docs/messenger.md lists them), so scripts and bots can read a stream of them.
/// </summary>
internal static class JsonLines
{
    public static void Write<T>(T value, JsonTypeInfo<T> type) => WriteBytes(JsonSerializer.SerializeToUtf8Bytes(value, type));

    private static void WriteBytes(byte[] bytes)
    {
        using var stdout = Console.OpenStandardOutput();
        stdout.Write(bytes);
        stdout.Write("\n"u8);
        stdout.Flush();
    }

    public static MessageLine Message(StoredMessage m) => new("message", m.Conversation, m.Author, m.Kind, m.Text,
        m.SentAt, m.ReceivedAt, m.Direction == MessageDirection.Outgoing ? "out" : "in", StateName(m.State), m.Uid, m.DeliveredTo)
    {
        File = m.File is { } f ? new FileMember(f.Name, f.Size, f.SavedAs) : null,
        ExpiresAt = m.ExpiresAt,
    };

    public static string StateName(DeliveryState state) => state.ToString().ToLowerInvariant();

    public static void Event(MessengerEvent e)
    {
        if (EventJson(e) is { } bytes)
        {
            WriteBytes(bytes);
        }
    }

    /// <summary>An event's line as UTF-8 JSON (its <c>type</c> says which), or null for an event this version does not show.</summary>
    public static byte[]? EventJson(MessengerEvent e) => e switch
    {
        MessageReceived m => JsonSerializer.SerializeToUtf8Bytes(Message(m.Message), CliJson.Default.MessageLine),
        IdentityChanged c => JsonSerializer.SerializeToUtf8Bytes(new UserLine("identity-changed", c.User), CliJson.Default.UserLine),
        DeliveryChanged d => JsonSerializer.SerializeToUtf8Bytes(new DeliveryLine("delivery", d.Conversation, d.Uid, StateName(d.State), d.DeliveredTo),
            CliJson.Default.DeliveryLine),
        EnvelopeDropped d => JsonSerializer.SerializeToUtf8Bytes(new DroppedLine("dropped", d.EnvelopeId, d.Sender, d.Reason), CliJson.Default.DroppedLine),
        PresenceChanged p => JsonSerializer.SerializeToUtf8Bytes(new PresenceLine("presence", p.User, p.Online), CliJson.Default.PresenceLine),
        ConnectionChanged c => JsonSerializer.SerializeToUtf8Bytes(new ConnectionLine("connection", c.Connected, c.Problem), CliJson.Default.ConnectionLine),
        MessagesExpired x => JsonSerializer.SerializeToUtf8Bytes(new ExpiredLine("expired", x.Conversation, x.Uids), CliJson.Default.ExpiredLine),
        TypingChanged t => JsonSerializer.SerializeToUtf8Bytes(new TypingLine("typing", t.Conversation, t.User, t.Typing), CliJson.Default.TypingLine),
        MessageRead r => JsonSerializer.SerializeToUtf8Bytes(new ReadLine("read", r.Conversation, r.Uid, r.ReadBy), CliJson.Default.ReadLine),
        _ => null,
    };

    public static ContactLine Contact(Contact c) =>
        new("contact", c.Username, c.Trust == ContactTrust.Accepted ? "accepted" : "changed", c.Verified, c.Added, c.FirstSeen, c.ChangedAt);

    /// <summary>A group as <paramref name="self"/> sees it: standing, own role, members, admins and invitees.</summary>
    public static GroupLine Group(GroupRecord g, string self) =>
        new("group", g.Id, g.DisplayName, g.Standing.ToString().ToLowerInvariant(), g.Members.FirstOrDefault(x => x.Username == self)?.Role,
            [.. g.Members.Select(x => x.Username)], [.. g.Members.Where(x => x.Role == "admin").Select(x => x.Username)], g.Invited);

    public static VerifyLine Verification(Verification v, bool? match, bool verified) =>
        new("safety-number", v.Contact.Username, v.Number.Grouped, v.Number.Emoji, Parley.Client.Messaging.AccountKeys.B64u(v.Number.Scannable()), verified,
            v.Contact.Trust == ContactTrust.Accepted ? "accepted" : "changed", match);

    public static SentLine Sent(SendResult r) => new("sent", r.Message.Conversation, r.Message.Uid, StateName(r.Message.State), r.Problem);
}

internal sealed record MessageLine(string Type, string Conversation, string From, string Kind, string Text, DateTimeOffset SentAt,
    DateTimeOffset ReceivedAt, string Direction, string State, string Id, IReadOnlyList<string> DeliveredTo)
{
    /// <summary>An attachment's file (kind <c>attachment</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public FileMember? File { get; init; }

    /// <summary>When a disappearing message is deleted.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? ExpiresAt { get; init; }
}

internal sealed record FileMember(string Name, long Size, string? SavedAs);

internal sealed record ExpiredLine(string Type, string Conversation, IReadOnlyList<string> Ids);

internal sealed record AttachmentLine(string Type, string Id, string Conversation, string From, string Name, long Size, DateTimeOffset Until);

internal sealed record SavedLine(string Type, string Id, string Conversation, string Name, string Path, long Size);

internal sealed record TimerLine(string Type, string Conversation, long Seconds);

internal sealed record UserLine(string Type, string User);

internal sealed record DeliveryLine(string Type, string Conversation, string Id, string State, IReadOnlyList<string> DeliveredTo);

internal sealed record DroppedLine(string Type, long Envelope, string From, string Reason);

internal sealed record PresenceLine(string Type, string User, bool Online);

internal sealed record ConnectionLine(string Type, bool Connected, string? Problem);

internal sealed record TypingLine(string Type, string Conversation, string User, bool Typing);

internal sealed record ReadLine(string Type, string Conversation, string Id, IReadOnlyList<string> ReadBy);

internal sealed record AccountLine(string Type, string Username, string Server, string Profile, string IdentityKey, uint RegistrationId);

internal sealed record ContactLine(string Type, string Username, string Trust, bool Verified, bool Added, DateTimeOffset FirstSeen, DateTimeOffset? ChangedAt);

internal sealed record GroupLine(string Type, string Id, string Name, string Standing, string? Role, IReadOnlyList<string> Members, IReadOnlyList<string> Admins, IReadOnlyList<string> Invited);

internal sealed record VerifyLine(string Type, string User, string SafetyNumber, IReadOnlyList<string> Emoji, string Scannable, bool Verified, string Trust, bool? Match);

internal sealed record SentLine(string Type, string Conversation, string Id, string State, string? Problem);

internal sealed record ProfileLine(string Type, string Name);

internal sealed record ConversationLine(string Type, string Conversation, string Title, int Unread, DateTimeOffset LastActivity);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(MessageLine))]
[JsonSerializable(typeof(UserLine))]
[JsonSerializable(typeof(DeliveryLine))]
[JsonSerializable(typeof(DroppedLine))]
[JsonSerializable(typeof(PresenceLine))]
[JsonSerializable(typeof(ConnectionLine))]
[JsonSerializable(typeof(TypingLine))]
[JsonSerializable(typeof(ReadLine))]
[JsonSerializable(typeof(AccountLine))]
[JsonSerializable(typeof(ContactLine))]
[JsonSerializable(typeof(GroupLine))]
[JsonSerializable(typeof(VerifyLine))]
[JsonSerializable(typeof(SentLine))]
[JsonSerializable(typeof(ProfileLine))]
[JsonSerializable(typeof(ConversationLine))]
[JsonSerializable(typeof(ExpiredLine))]
[JsonSerializable(typeof(AttachmentLine))]
[JsonSerializable(typeof(SavedLine))]
[JsonSerializable(typeof(TimerLine))]
internal sealed partial class CliJson : JsonSerializerContext;
