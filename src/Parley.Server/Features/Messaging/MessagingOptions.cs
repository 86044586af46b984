namespace Parley.Server.Features.Messaging;

/// <summary>Operator options of messaging (config section <c>Parley:Messaging</c>; docs/configuration.md).</summary>
public sealed class MessagingOptions
{
    public const string Section = "Parley:Messaging";

    /// <summary>
    /// The name signed into login and registration messages: the host[:port] clients connect to. Empty:
    /// a loopback Host, and only while the server listens on loopback alone (<see cref="MessagingServerName"/>).
    /// </summary>
    public string? ServerName { get; set; }

    public RegistrationMode Registration { get; set; } = RegistrationMode.Open;

    /// <summary>Single-use invite codes accepted when <see cref="Registration"/> is Invite.</summary>
    public List<string> InviteCodes { get; set; } = [];

    /// <summary>Names nobody may register, besides the built-in list.</summary>
    public List<string> ReservedUsernames { get; set; } = [];

    public TimeSpan ChallengeLifetime { get; set; } = TimeSpan.FromMinutes(2);

    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Largest envelope content, in bytes.</summary>
    public int MaxEnvelopeBytes { get; set; } = 64 * 1024;

    /// <summary>Most envelopes waiting in one user's queue; further sends are refused (queue-full).</summary>
    public int MaxQueuedEnvelopes { get; set; } = 10_000;

    /// <summary>How long an unacknowledged envelope waits before the sweeper deletes it.</summary>
    public TimeSpan EnvelopeTtl { get; set; } = TimeSpan.FromDays(30);

    public int MaxPreKeysPerUpload { get; set; } = 100;

    /// <summary>Most one-time prekeys of each kind stored per account.</summary>
    public int MaxStoredPreKeys { get; set; } = 1000;

    public int MaxGroupMembers { get; set; } = 256;

    /// <summary>Relay sockets one account may hold open on one node; one more is refused (429).</summary>
    public int MaxConnectionsPerAccount { get; set; } = 16;

    public PresenceVisibility PresenceVisibility { get; set; } = PresenceVisibility.Contacts;

    /// <summary>Registrations one client address may attempt per hour; 0 turns the limit off.</summary>
    public int RegistrationsPerHour { get; set; } = 20;

    /// <summary>Challenge and login requests one client address may make per minute; 0: off.</summary>
    public int LoginsPerMinute { get; set; } = 30;

    /// <summary>Bundles one account may fetch per hour; 0: off.</summary>
    public int BundleFetchesPerHour { get; set; } = 300;

    /// <summary>Bundles of one target user one account may fetch per hour; 0: off.</summary>
    public int BundleFetchesPerTargetPerHour { get; set; } = 10;

    /// <summary>Envelopes one account may send per second (a group send counts once per recipient); 0: off.</summary>
    public int SendsPerSecond { get; set; } = 50;

    /// <summary>Other REST calls one account may make per minute; 0: off.</summary>
    public int RequestsPerMinute { get; set; } = 600;

    /// <summary>Largest hub message a client may send, in bytes (a Send with the largest envelope fits, and a full SendBatch).</summary>
    public int MaxHubMessageBytes => Math.Max(MaxEnvelopeBytes, Contracts.Messaging.HubNames.MaxSendBatchBytes) + 4096;

    /// <summary>How often the sweeper deletes expired envelopes, challenges and tokens.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Redis (host:port[,options]) for cross-node relay wake-ups, events and revocations; empty: one node.</summary>
    public string? Redis { get; set; }
}
