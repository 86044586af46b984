using Microsoft.Extensions.Options;

namespace Parley.Server.Features.Blobs;

/// <summary>Operator options of the blob store for attachments (config section <c>Parley:Blobs</c>; docs/configuration.md).</summary>
public sealed class BlobsOptions
{
    public const string Section = "Parley:Blobs";

    /// <summary>Largest blob (a sealed attachment, a little larger than its file), in bytes.</summary>
    public long MaxBlobBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>How many bytes of unexpired blobs one account may hold at once; 0 turns the quota off.</summary>
    public long MaxStoredBytesPerAccount { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>Lifetime of a blob whose uploader names none.</summary>
    public TimeSpan DefaultExpiry { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Longest lifetime an uploader may ask for.</summary>
    public TimeSpan MaxExpiry { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Most fetch tokens (recipients) per blob.</summary>
    public int MaxFetchTokens { get; set; } = 256;

    /// <summary>Time an uploader has to send a blob's bytes before the blob is deleted.</summary>
    public TimeSpan UploadWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the sweeper deletes expired blobs and abandoned uploads.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Checks the options at start, listing every problem at once.</summary>
internal sealed class BlobsOptionsValidator : IValidateOptions<BlobsOptions>
{
    public ValidateOptionsResult Validate(string? name, BlobsOptions o)
    {
        var errors = new List<string>();
        void Check(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add("Parley:Blobs:" + message);
            }
        }

        Check(o.MaxBlobBytes is >= 24 and <= 1L << 40, "MaxBlobBytes must lie between 24 bytes and 1 TiB.");
        Check(o.MaxStoredBytesPerAccount == 0 || o.MaxStoredBytesPerAccount >= o.MaxBlobBytes,
            "MaxStoredBytesPerAccount must be 0 (no quota) or at least MaxBlobBytes.");
        Check(o.MaxExpiry >= TimeSpan.FromMinutes(1) && o.MaxExpiry <= TimeSpan.FromDays(365), "MaxExpiry must lie between 1 minute and 365 days.");
        Check(o.DefaultExpiry >= TimeSpan.FromMinutes(1) && o.DefaultExpiry <= o.MaxExpiry, "DefaultExpiry must lie between 1 minute and MaxExpiry.");
        Check(o.DefaultExpiry.Ticks % TimeSpan.TicksPerSecond == 0 && o.MaxExpiry.Ticks % TimeSpan.TicksPerSecond == 0,
            "DefaultExpiry and MaxExpiry must be whole seconds.");
        Check(o.MaxFetchTokens is >= 1 and <= 10_000, "MaxFetchTokens must lie between 1 and 10000.");
        Check(o.UploadWindow >= TimeSpan.FromMinutes(1), "UploadWindow must be at least 1 minute.");
        Check(o.SweepInterval >= TimeSpan.FromSeconds(1), "SweepInterval must be at least 1 second.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
