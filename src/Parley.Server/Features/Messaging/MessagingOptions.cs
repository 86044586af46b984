using Microsoft.Extensions.Options;

namespace Parley.Server.Features.Messaging;

/// <summary>Who may register an account.</summary>
public enum RegistrationMode
{
    Open,
    Invite,
    Closed,
}

/// <summary>Whose online state a user may see.</summary>
public enum PresenceVisibility
{
    /// <summary>Every other user's.</summary>
    Everyone,

    /// <summary>Only users who consented: they sent the viewer an envelope, or allowed the viewer explicitly.</summary>
    Contacts,

    /// <summary>No one's.</summary>
    Nobody,
}

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

/// <summary>Checks the options at start, listing every problem at once.</summary>
internal sealed class MessagingOptionsValidator : IValidateOptions<MessagingOptions>
{
    public ValidateOptionsResult Validate(string? name, MessagingOptions o)
    {
        var errors = new List<string>();
        void Check(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add("Parley:Messaging:" + message);
            }
        }

        Check(string.IsNullOrEmpty(o.ServerName) || IsAuthority(o.ServerName),
            "ServerName must be the host[:port] clients connect to, in lower case, without scheme or path (e.g. parley.example.org).");
        Check(Enum.IsDefined(o.Registration), "Registration must be open, invite or closed.");
        Check(Enum.IsDefined(o.PresenceVisibility), "PresenceVisibility must be everyone, contacts or nobody.");
        Check(o.Registration != RegistrationMode.Invite || o.InviteCodes.Count > 0, "InviteCodes must not be empty when Registration is invite.");
        Check(o.InviteCodes.TrueForAll(c => c.Length is >= 8 and <= 128), "InviteCodes must be 8 to 128 characters long.");
        Check(o.ChallengeLifetime >= TimeSpan.FromSeconds(5) && o.ChallengeLifetime <= TimeSpan.FromHours(1), "ChallengeLifetime must lie between 5 seconds and 1 hour.");
        Check(o.TokenLifetime >= TimeSpan.FromMinutes(1) && o.TokenLifetime <= TimeSpan.FromDays(30), "TokenLifetime must lie between 1 minute and 30 days.");
        Check(o.MaxEnvelopeBytes is >= 256 and <= 16 * 1024 * 1024, "MaxEnvelopeBytes must lie between 256 bytes and 16 MiB.");
        Check(o.MaxQueuedEnvelopes is >= 1 and <= 10_000_000, "MaxQueuedEnvelopes must lie between 1 and 10,000,000.");
        Check(o.EnvelopeTtl >= TimeSpan.FromMinutes(1), "EnvelopeTtl must be at least 1 minute.");
        Check(o.MaxPreKeysPerUpload is >= 1 and <= 1000, "MaxPreKeysPerUpload must lie between 1 and 1000.");
        Check(o.MaxStoredPreKeys is >= 1 and <= 100_000, "MaxStoredPreKeys must lie between 1 and 100,000.");
        Check(o.MaxGroupMembers is >= 2 and <= 10_000, "MaxGroupMembers must lie between 2 and 10,000.");
        Check(o.MaxConnectionsPerAccount is >= 1 and <= 10_000, "MaxConnectionsPerAccount must lie between 1 and 10,000.");
        Check(o.RegistrationsPerHour >= 0 && o.LoginsPerMinute >= 0 && o.BundleFetchesPerHour >= 0
            && o.BundleFetchesPerTargetPerHour >= 0 && o.SendsPerSecond >= 0 && o.RequestsPerMinute >= 0,
            "rate limits must not be negative (0 turns one off).");
        Check(o.SweepInterval >= TimeSpan.FromSeconds(1), "SweepInterval must be at least 1 second.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    // Clients sign the authority of the address they use, as Uri prints it (host in lower case).
    private static bool IsAuthority(string name) =>
        Uri.TryCreate("http://" + name + "/", UriKind.Absolute, out var uri) && uri.PathAndQuery == "/" && uri.UserInfo.Length == 0
        && (name == uri.Authority || name == uri.Host + ":" + uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
