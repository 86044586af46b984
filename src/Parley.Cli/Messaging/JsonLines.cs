using System.Text.Json;
using System.Text.Json.Serialization;
using Parley.Client.Messenger;
using Parley.Client.Profiles;

namespace Parley.Cli.Messaging;

/// <summary>
/// The <c>--json</c> output of the messaging commands: one JSON object per line on stdout, each with a
/// <c>type</c> (docs/messenger.md lists them), so scripts and bots can read a stream of them.
/// </summary>
internal static class JsonLines
{
    public static void Write<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        using var stdout = Console.OpenStandardOutput();
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, type);
        stdout.Write(bytes);
        stdout.Write("\n"u8);
        stdout.Flush();
    }

    public static MessageLine Message(StoredMessage m) => new("message", m.Conversation, m.Author, m.Kind, m.Text,
        m.SentAt, m.ReceivedAt, m.Direction == MessageDirection.Outgoing ? "out" : "in", StateName(m.State), m.Uid, m.DeliveredTo);

    public static string StateName(DeliveryState state) => state.ToString().ToLowerInvariant();

    public static void Event(MessengerEvent e)
    {
        switch (e)
        {
            case MessageReceived m:
                Write(Message(m.Message), CliJson.Default.MessageLine);
                break;
            case IdentityChanged c:
                Write(new UserLine("identity-changed", c.User), CliJson.Default.UserLine);
                break;
            case DeliveryChanged d:
                Write(new DeliveryLine("delivery", d.Conversation, d.Uid, StateName(d.State), d.DeliveredTo), CliJson.Default.DeliveryLine);
                break;
            case EnvelopeDropped d:
                Write(new DroppedLine("dropped", d.EnvelopeId, d.Sender, d.Reason), CliJson.Default.DroppedLine);
                break;
            case PresenceChanged p:
                Write(new PresenceLine("presence", p.User, p.Online), CliJson.Default.PresenceLine);
                break;
            case ConnectionChanged c:
                Write(new ConnectionLine("connection", c.Connected, c.Problem), CliJson.Default.ConnectionLine);
                break;
            case TypingChanged t:
                Write(new TypingLine("typing", t.Conversation, t.User, t.Typing), CliJson.Default.TypingLine);
                break;
            case MessageRead r:
                Write(new ReadLine("read", r.Conversation, r.Uid, r.ReadBy), CliJson.Default.ReadLine);
                break;
        }
    }
}

internal sealed record MessageLine(string Type, string Conversation, string From, string Kind, string Text, DateTimeOffset SentAt,
    DateTimeOffset ReceivedAt, string Direction, string State, string Id, IReadOnlyList<string> DeliveredTo);

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
internal sealed partial class CliJson : JsonSerializerContext;
