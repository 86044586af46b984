using System.Globalization;
using Microsoft.Extensions.Options;

namespace Parley.Server.Features.Secrets;

/// <summary>Operator options of one-time secrets (config section <c>Parley:Secrets</c>; docs/configuration.md).</summary>
public sealed class SecretsOptions
{
    public const string Section = "Parley:Secrets";

    /// <summary>Hard ceiling for passphrase iterations a creator may ask for (docs/api.md).</summary>
    public const int MaxIterationsCeiling = 10_000_000;

    /// <summary>How long a secret may live, as offered to creators. Empty: 5 minutes, 1 hour, 1 day, 7 days.</summary>
    public List<TimeSpan> ExpiryChoices { get; set; } = [];

    public TimeSpan DefaultExpiry { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How many times a secret may be opened, as offered to creators. Empty: 1, 2, 3, 5, 10.</summary>
    public List<int> ViewChoices { get; set; } = [];

    public int DefaultViews { get; set; } = 1;

    /// <summary>Largest sealed manifest (text and file metadata), in bytes.</summary>
    public int MaxManifestBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest sealed file stream, in bytes.</summary>
    public long MaxStreamBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Most files per secret (clients enforce it; the server sees only one sealed stream).</summary>
    public int MaxFiles { get; set; } = 100;

    public int MinPassphraseIterations { get; set; } = 600_000;

    public int DefaultPassphraseIterations { get; set; } = 600_000;

    /// <summary>Wrong passphrases (with the right link) before a secret is destroyed.</summary>
    public int MaxPassphraseAttempts { get; set; } = 5;

    /// <summary>False closes secret creation (existing secrets can still be opened).</summary>
    public bool CreationOpen { get; set; } = true;

    /// <summary>Secrets one client address may create per minute; 0 turns the limit off.</summary>
    public int CreatePerMinute { get; set; } = 60;

    /// <summary>Time a creator has to finish uploading a file stream before the secret is deleted.</summary>
    public TimeSpan UploadWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a download token from an open stays valid.</summary>
    public TimeSpan DownloadWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long an expired or used-up secret's record (never its content) stays visible after its expiry.</summary>
    public TimeSpan TombstoneRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the sweeper deletes what has run out.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    internal static readonly TimeSpan[] DefaultExpiryChoices =
        [TimeSpan.FromMinutes(5), TimeSpan.FromHours(1), TimeSpan.FromDays(1), TimeSpan.FromDays(7)];

    internal static readonly int[] DefaultViewChoices = [1, 2, 3, 5, 10];

    /// <summary>"5 minutes", "1 hour", "7 days".</summary>
    internal static string Label(TimeSpan span)
    {
        static string Unit(double n, string unit) =>
            string.Create(CultureInfo.InvariantCulture, $"{n:0.##} {unit}{(n == 1 ? "" : "s")}");

        return span.TotalDays >= 1 && span.TotalDays % 1 == 0 ? Unit(span.TotalDays, "day")
            : span.TotalHours >= 1 && span.TotalHours % 1 == 0 ? Unit(span.TotalHours, "hour")
            : span.TotalMinutes >= 1 && span.TotalMinutes % 1 == 0 ? Unit(span.TotalMinutes, "minute")
            : Unit(span.TotalSeconds, "second");
    }
}

/// <summary>Fills empty choice lists with the defaults (the binder appends to initialized lists).</summary>
internal sealed class SecretsOptionsDefaults : IPostConfigureOptions<SecretsOptions>
{
    public void PostConfigure(string? name, SecretsOptions options)
    {
        if (options.ExpiryChoices.Count == 0)
        {
            options.ExpiryChoices.AddRange(SecretsOptions.DefaultExpiryChoices);
        }

        if (options.ViewChoices.Count == 0)
        {
            options.ViewChoices.AddRange(SecretsOptions.DefaultViewChoices);
        }
    }
}

/// <summary>Checks the options at start, listing every problem at once.</summary>
internal sealed class SecretsOptionsValidator : IValidateOptions<SecretsOptions>
{
    public ValidateOptionsResult Validate(string? name, SecretsOptions o)
    {
        var errors = new List<string>();
        void Check(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add("Parley:Secrets:" + message);
            }
        }

        Check(o.ExpiryChoices.TrueForAll(e => e >= TimeSpan.FromSeconds(1) && e <= TimeSpan.FromDays(365)),
            "ExpiryChoices must lie between 1 second and 365 days.");
        Check(o.ExpiryChoices.TrueForAll(e => e.Ticks % TimeSpan.TicksPerSecond == 0), "ExpiryChoices must be whole seconds.");
        Check(o.ExpiryChoices.Distinct().Count() == o.ExpiryChoices.Count, "ExpiryChoices must not repeat.");
        Check(o.ExpiryChoices.Contains(o.DefaultExpiry), "DefaultExpiry must be one of ExpiryChoices.");
        Check(o.ViewChoices.TrueForAll(v => v is >= 1 and <= 1000), "ViewChoices must lie between 1 and 1000.");
        Check(o.ViewChoices.Distinct().Count() == o.ViewChoices.Count, "ViewChoices must not repeat.");
        Check(o.ViewChoices.Contains(o.DefaultViews), "DefaultViews must be one of ViewChoices.");
        Check(o.MaxManifestBytes is >= 285 and <= 64 * 1024 * 1024, "MaxManifestBytes must lie between 285 and 64 MiB.");
        Check(o.MaxStreamBytes is >= 24 and <= 1L << 40, "MaxStreamBytes must lie between 24 bytes and 1 TiB.");
        Check(o.MaxFiles is >= 1 and <= 10_000, "MaxFiles must lie between 1 and 10000.");
        Check(o.MinPassphraseIterations is >= 1 and <= SecretsOptions.MaxIterationsCeiling,
            "MinPassphraseIterations must lie between 1 and 10,000,000.");
        Check(o.DefaultPassphraseIterations >= o.MinPassphraseIterations && o.DefaultPassphraseIterations <= SecretsOptions.MaxIterationsCeiling,
            "DefaultPassphraseIterations must lie between MinPassphraseIterations and 10,000,000.");
        Check(o.MaxPassphraseAttempts is >= 1 and <= 100, "MaxPassphraseAttempts must lie between 1 and 100.");
        Check(o.CreatePerMinute >= 0, "CreatePerMinute must not be negative (0 turns the limit off).");
        Check(o.UploadWindow >= TimeSpan.FromMinutes(1), "UploadWindow must be at least 1 minute.");
        Check(o.DownloadWindow >= TimeSpan.FromMinutes(1), "DownloadWindow must be at least 1 minute.");
        Check(o.TombstoneRetention >= TimeSpan.Zero, "TombstoneRetention must not be negative.");
        Check(o.SweepInterval >= TimeSpan.FromSeconds(1), "SweepInterval must be at least 1 second.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
