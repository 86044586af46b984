namespace Parley.Server.Features.Messaging.Storage;

/// <summary>
/// RAM-only store: nothing touches disk. One lock makes every operation a single indivisible step
/// (the operations are a few dictionary lookups each, far below the cost of the network around them).
/// Implements every messaging store over the provider's one database, a partial file per store:
/// Accounts (<see cref="IAccountStore"/>), PreKeys, Queue (<see cref="IEnvelopeQueue"/>), Presence, Groups.
/// </summary>
internal sealed partial class MemoryMessagingStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Account> _accounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string User, DateTimeOffset ExpiresAt)> _challenges = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StoredToken> _tokens = new(StringComparer.Ordinal);
    private readonly HashSet<string> _usedInvites = new(StringComparer.Ordinal);
    private readonly Dictionary<long, StoredEnvelopeEntry> _envelopes = [];
    private readonly Dictionary<(string Subject, string Viewer), bool> _presence = [];
    private readonly Dictionary<string, Group> _groups = new(StringComparer.Ordinal);
    private long _nextEnvelopeId;

    private sealed class Account(StoredAccount record)
    {
        public StoredAccount Record { get; } = record;

        public StoredPreKey SignedPreKey { get; set; } = null!;

        public StoredPreKey LastResort { get; set; } = null!;

        public List<StoredPreKey> PreKeys { get; } = [];

        public List<StoredPreKey> KyberPreKeys { get; } = [];

        public SortedSet<long> Queue { get; } = [];
    }

    private sealed record StoredEnvelopeEntry(StoredEnvelope Envelope, DateTimeOffset ExpiresAt);

    private sealed class Group(byte[] id, string name, DateTimeOffset createdAt)
    {
        public byte[] Id { get; } = id;

        public string Name { get; } = name;

        public DateTimeOffset CreatedAt { get; } = createdAt;

        /// <summary>Members and invitees.</summary>
        public List<StoredGroupMember> Members { get; init; } = [];

        // The order of the SQL stores: by time, then username.
        public StoredGroup Snapshot() =>
            StoredGroup.Of(Id, Name, CreatedAt, Members.OrderBy(m => m.Since).ThenBy(m => m.Username, StringComparer.Ordinal));
    }
}
