using Microsoft.Extensions.Options;

namespace Parley.Server.Features.Messaging;

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
