using System.Text.Json.Serialization;
using Parley.Crypto;
using Parley.Protocol.Groups;
using Parley.Protocol.Keys;
using Parley.Protocol.Ratchet;

namespace Parley.Client.Profiles;

/// <summary>How each kind of stored object becomes bytes: protocol records in libsignal's own encodings, the rest as JSON.</summary>
public static class ProfileCodecs
{
    public static readonly ItemCodec<AccountRecord> Account = ItemCodec<AccountRecord>.Json(ProfileRecordJson.Default.AccountRecord);
    public static readonly ItemCodec<TokenRecord> Token = ItemCodec<TokenRecord>.Json(ProfileRecordJson.Default.TokenRecord);
    public static readonly ItemCodec<Contact> Contact = ItemCodec<Contact>.Json(ProfileRecordJson.Default.Contact);
    public static readonly ItemCodec<GroupRecord> Group = ItemCodec<GroupRecord>.Json(ProfileRecordJson.Default.GroupRecord);
    public static readonly ItemCodec<ConversationRecord> Conversation = ItemCodec<ConversationRecord>.Json(ProfileRecordJson.Default.ConversationRecord);
    public static readonly ItemCodec<StoredMessage> Message = ItemCodec<StoredMessage>.Json(ProfileRecordJson.Default.StoredMessage);
    public static readonly ItemCodec<OutboxEntry> Outbox = ItemCodec<OutboxEntry>.Json(ProfileRecordJson.Default.OutboxEntry);
    public static readonly ItemCodec<MessengerSettings> Settings = ItemCodec<MessengerSettings>.Json(ProfileRecordJson.Default.MessengerSettings);

    public static readonly ItemCodec<Curve25519PrivateKey> Identity = new(
        key =>
        {
            var raw = new byte[Curve25519PrivateKey.KeySize];
            key.Export(raw);
            return raw;
        },
        raw => raw.Length == Curve25519PrivateKey.KeySize ? Curve25519PrivateKey.Import(raw) : throw new FormatException("not an identity key"));

    public static readonly ItemCodec<SessionRecord> Session = new(r => r.Serialize(), b => SessionRecord.Deserialize(b));
    public static readonly ItemCodec<SenderKeyRecord> SenderKey = new(r => r.Serialize(), b => SenderKeyRecord.Deserialize(b));
    public static readonly ItemCodec<PreKeyRecord> PreKey = new(r => r.Serialize(), b => PreKeyRecord.Deserialize(b));
    public static readonly ItemCodec<SignedPreKeyRecord> SignedPreKey = new(r => r.Serialize(), b => SignedPreKeyRecord.Deserialize(b));
    public static readonly ItemCodec<StoredKyberPreKey> KyberPreKey = new(r => r.Serialize(), StoredKyberPreKey.Deserialize);
}

/// <summary>A Kyber prekey and whether it is the last-resort one (kept after use).</summary>
public sealed record StoredKyberPreKey(KyberPreKeyRecord Record, bool LastResort)
{
    public byte[] Serialize()
    {
        var record = Record.Serialize();
        var bytes = new byte[record.Length + 1];
        bytes[0] = LastResort ? (byte)1 : (byte)0;
        record.CopyTo(bytes, 1);
        return bytes;
    }

    public static StoredKyberPreKey Deserialize(byte[] bytes) =>
        bytes.Length > 1 && bytes[0] is 0 or 1
            ? new StoredKyberPreKey(KyberPreKeyRecord.Deserialize(bytes.AsSpan(1)), bytes[0] == 1)
            : throw new FormatException("not a stored Kyber prekey");
}

/// <summary>A conversation's summary for lists: when it last moved and how many incoming messages are unread.</summary>
public sealed record ConversationRecord(string Id, DateTimeOffset LastActivity, int Unread, string? LastPreview);

/// <summary>An envelope encrypted and committed, still to be handed to the server (sent at the next chance, in order).</summary>
public sealed record OutboxEntry(string MessageUid, string Conversation, string? To, string? GroupId, int Type, byte[] Content);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, AllowDuplicateProperties = false,
    UseStringEnumConverter = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(AccountRecord))]
[JsonSerializable(typeof(TokenRecord))]
[JsonSerializable(typeof(Contact))]
[JsonSerializable(typeof(GroupRecord))]
[JsonSerializable(typeof(ConversationRecord))]
[JsonSerializable(typeof(StoredMessage))]
[JsonSerializable(typeof(OutboxEntry))]
[JsonSerializable(typeof(MessengerSettings))]
internal sealed partial class ProfileRecordJson : JsonSerializerContext;
