namespace Parley.Contracts.Messaging;

// Hub payloads (MessagePack, string-keyed maps). Classes with settable properties, so the
// MessagePack resolver can build them without a constructor contract.

/// <summary>An envelope as the hub pushes it (event <c>Envelopes</c>, a batch in queue order).</summary>
public sealed class HubEnvelope
{
    public long Id { get; set; }

    public string Sender { get; set; } = string.Empty;

    public int Type { get; set; }

    public string? GroupId { get; set; }

    /// <summary>Unix milliseconds when the server accepted it.</summary>
    public long ServerTimestamp { get; set; }

    public byte[] Content { get; set; } = [];
}

/// <summary>What <c>Send</c> returns.</summary>
public sealed class HubSendResult
{
    public long Id { get; set; }

    public long ServerTimestamp { get; set; }
}

/// <summary>One envelope of a <c>SendBatch</c> call.</summary>
public sealed class HubOutgoingEnvelope
{
    public string To { get; set; } = string.Empty;

    public int Type { get; set; }

    public byte[] Content { get; set; } = [];
}

/// <summary>
/// The outcome of one envelope of a <c>SendBatch</c> call: queued (<see cref="Id"/> set, <see cref="Problem"/>
/// null) or refused (<see cref="Id"/> 0, <see cref="Problem"/> the same "urn:parley:problem:slug: detail" text
/// that <c>Send</c> would have failed with).
/// </summary>
public sealed class HubBatchSendResult
{
    public long Id { get; set; }

    public long ServerTimestamp { get; set; }

    public string? Problem { get; set; }
}

/// <summary>
/// What <c>SendGroup</c> returns: <see cref="Ids"/>[i] is the envelope queued for <see cref="RecipientNames"/>[i]
/// (the ids a <c>Delivered</c> receipt names), recipients in ordinal order of their usernames.
/// </summary>
public sealed class HubGroupSendResult
{
    public long ServerTimestamp { get; set; }

    /// <summary>How many members got the envelope (the length of <see cref="RecipientNames"/>).</summary>
    public int Recipients { get; set; }

    public string[] RecipientNames { get; set; } = [];

    public long[] Ids { get; set; } = [];
}

/// <summary>Event <c>Delivered</c>: the recipient's device acknowledged these envelopes of mine.</summary>
public sealed class HubDeliveryReceipt
{
    public string Recipient { get; set; } = string.Empty;

    public long[] Ids { get; set; } = [];

    public long At { get; set; }
}

/// <summary>Event <c>Presence</c>: a user I may see came online or went offline.</summary>
public sealed class HubPresence
{
    public string Username { get; set; } = string.Empty;

    public bool Online { get; set; }
}

/// <summary>Hub method and event names.</summary>
public static class HubNames
{
    public const string Send = "Send";
    public const string SendBatch = "SendBatch";
    public const string SendGroup = "SendGroup";
    public const string Ack = "Ack";
    public const string GetPresence = "GetPresence";
    public const string EnvelopesEvent = "Envelopes";
    public const string DeliveredEvent = "Delivered";
    public const string PresenceEvent = "Presence";

    /// <summary>Most envelopes one <c>SendBatch</c> call carries (and the whole call must fit in one hub message).</summary>
    public const int MaxSendBatch = 256;

    /// <summary>
    /// Most bytes of envelopes one <c>SendBatch</c> call carries, counting each envelope's content plus
    /// <see cref="SendBatchEnvelopeOverhead"/>; one envelope larger than this goes alone. The server's hub
    /// accepts messages of this size plus 4 KiB whatever its largest envelope is, so a batch always fits.
    /// </summary>
    public const int MaxSendBatchBytes = 56 * 1024;

    /// <summary>What an envelope adds to a <c>SendBatch</c> call besides its content (recipient, type, framing), rounded up.</summary>
    public const int SendBatchEnvelopeOverhead = 64;

    /// <summary>Hub errors arrive as this prefix, the problem slug, ": " and a detail.</summary>
    public const string ErrorPrefix = ProblemTypes.Prefix;
}
