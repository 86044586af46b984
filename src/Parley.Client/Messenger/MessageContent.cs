using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Parley.Client.Messenger;

/// <summary>
/// What Parley clients put inside an end-to-end encrypted message (docs/messenger.md, "Message
/// content"): UTF-8 JSON, padded like Signal's (a 0x80 byte, then zeros up to a multiple of 160 bytes)
/// so ciphertext sizes do not give away the length of short texts.
/// </summary>
/// <param name="V">Format version, 1.</param>
/// <param name="Id">The sender's message id (16 random bytes, base64url); with the sender it identifies the message.</param>
/// <param name="At">The sender's clock when it was written, Unix milliseconds.</param>
/// <param name="Kind">One of the <c>Kind…</c> constants.</param>
/// <param name="Text">The text of a message.</param>
/// <param name="Group">The group a group-related message belongs to.</param>
/// <param name="Name">A group's name (invitations, sender keys, renames).</param>
/// <param name="SenderKey">A serialized SenderKeyDistributionMessage (base64url).</param>
public sealed record MessageContent(int V, string Id, long At, string Kind, string? Text, string? Group, string? Name, string? SenderKey)
{
    public const int Version = 1;
    public const int PaddingBlock = 160;
    public const int MaxTextLength = 16 * 1024;

    public const string KindText = "text";
    public const string KindSenderKey = "sender-key";
    public const string KindGroupInvite = "group-invite";
    public const string KindGroupRename = "group-rename";
    public const string KindReset = "reset";

    /// <summary>A file: <see cref="Attachment"/> says where its sealed bytes are and how to open them.</summary>
    public const string KindAttachment = "attachment";

    /// <summary>Sets the conversation's disappearing-message timer to <see cref="Timer"/> seconds (0: off).</summary>
    public const string KindTimer = "timer";

    /// <summary>The file of an <c>attachment</c> message.</summary>
    public AttachmentContent? Attachment { get; init; }

    /// <summary>
    /// Disappearing messages: on <c>text</c> and <c>attachment</c>, the seconds this message lives on each
    /// device once stored there (absent: it stays); on <c>timer</c>, the conversation's new timer (0: off).
    /// </summary>
    public long? Timer { get; init; }

    // Typing and read receipts (Messenger.Receipts.cs): never stored in history, sent only when the profile's settings allow.
    public const string KindTyping = "typing";
    public const string KindRead = "read";

    public const string TypingStarted = "started";
    public const string TypingStopped = "stopped";

    /// <summary>Most message ids one read receipt names.</summary>
    public const int MaxReadIds = 256;

    /// <summary><see cref="KindTyping"/>: <see cref="TypingStarted"/> or <see cref="TypingStopped"/>.</summary>
    public string? Typing { get; init; }

    /// <summary><see cref="KindRead"/>: the ids of the messages read (the ids their author gave them).</summary>
    public IReadOnlyList<string>? Ids { get; init; }

    public static string NewId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

    public static MessageContent Of(string kind, DateTimeOffset at, string? text = null, string? group = null, string? name = null, string? senderKey = null) =>
        new(Version, NewId(), at.ToUnixTimeMilliseconds(), kind, text, group, name, senderKey);

    /// <summary>JSON, then padding.</summary>
    public byte[] Encode()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(this, MessengerJson.Default.MessageContent);
        var padded = new byte[(json.Length / PaddingBlock + 1) * PaddingBlock];
        json.CopyTo(padded, 0);
        padded[json.Length] = 0x80;
        return padded;
    }

    /// <summary>The content of a decrypted plaintext, or null when it is not well-formed Parley content.</summary>
    public static MessageContent? TryDecode(ReadOnlySpan<byte> padded)
    {
        var end = padded.Length - 1;
        while (end >= 0 && padded[end] == 0)
        {
            end--;
        }

        if (end < 0 || padded[end] != 0x80)
        {
            return null;
        }

        MessageContent? content;
        try
        {
            content = JsonSerializer.Deserialize(padded[..end], MessengerJson.Default.MessageContent);
        }
        catch (JsonException)
        {
            return null;
        }

        return content is { V: Version } && IsValidId(content.Id) && content.Kind is { Length: > 0 and <= 32 }
            && (content.Text is null || content.Text.Length <= MaxTextLength)
            && (content.Name is null || content.Name.Length <= 256)
            && (content.Ids is null || (content.Ids.Count <= MaxReadIds && content.Ids.All(IsValidId)))
            ? content : null;
    }

    private static bool IsValidId(string? id)
    {
        Span<byte> bytes = stackalloc byte[16];
        return id is { Length: 22 } && Base64Url.TryDecodeFromChars(id, bytes, out var n) && n == 16;
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, AllowDuplicateProperties = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(MessageContent))]
[JsonSerializable(typeof(AttachmentContent))]
internal sealed partial class MessengerJson : JsonSerializerContext;
