namespace Parley.Contracts.Secrets;

// Wire contracts of the one-time secrets API (docs/api.md). Binary members are base64url strings
// without padding; both sides validate them (lengths included) rather than trusting the DTO types.

/// <summary><c>GET /api/config</c>: the operator's choices and limits.</summary>
public sealed record SecretsConfigResponse(
    int FormatVersion,
    IReadOnlyList<ExpiryChoice> ExpiryChoices,
    int DefaultExpirySeconds,
    IReadOnlyList<int> ViewChoices,
    int DefaultViews,
    int MaxManifestBytes,
    long MaxStreamBytes,
    int MaxFiles,
    PassphrasePolicy Passphrase,
    bool CreationOpen,
    int MaxRecipients = 50);

public sealed record ExpiryChoice(int Seconds, string Label);

public sealed record PassphrasePolicy(int MinIterations, int DefaultIterations, int MaxAttempts);

/// <summary>Passphrase parameters sent at creation (with the verifier) and shown by look (without).</summary>
public sealed record PassphraseParameters(string Kdf, string Salt, int Iterations, string? Verifier = null)
{
    public const string Pbkdf2Sha256 = "pbkdf2-sha256";
}

/// <summary>
/// <c>POST /api/secrets</c>. With <see cref="Recipients"/> (several recipients, docs/secret-format.md §7)
/// the top-level <see cref="AccessVerifier"/> and the passphrase's <c>verifier</c> are null: each
/// recipient carries its own.
/// </summary>
public sealed record CreateSecretRequest(
    string Manifest,
    string? AccessVerifier,
    PassphraseParameters? Passphrase,
    int ExpiresInSeconds,
    int MaxViews,
    long? StreamBytes,
    string? Webhook = null,
    IReadOnlyList<RecipientKey>? Recipients = null);

/// <summary>One recipient's link of a secret for several recipients: its verifiers and its wrapped content key.</summary>
public sealed record RecipientKey(string? Label, string AccessVerifier, string? PassphraseVerifier, string WrappedKey);

/// <summary>
/// <c>webhookSigningKey</c> (<c>whsec_…</c>) only when a webhook was given: shown this once, never again.
/// <c>recipients</c> only for a secret with several recipients, in the order they were sent; <c>id</c> is then the first one's.
/// </summary>
public sealed record CreateSecretResponse(string Id, string ManageToken, DateTimeOffset ExpiresAt, bool UploadRequired,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    string? WebhookSigningKey = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyList<CreatedRecipient>? Recipients = null);

public sealed record CreatedRecipient(string Id, string? Label);

public sealed record UploadCompleteResponse(bool Complete);

/// <summary><c>GET /api/secrets/{id}</c> while the secret can be opened.</summary>
public sealed record SecretLookResponse(
    string Id,
    string State,
    PassphraseParameters? Passphrase,
    int ManifestBytes,
    long? StreamBytes,
    DateTimeOffset ExpiresAt,
    int ViewsLeft);

/// <summary><c>POST /api/secrets/{id}/open</c>.</summary>
public sealed record OpenSecretRequest(string AccessKey, string? PassphraseProof);

/// <summary><c>wrappedKey</c> only for a link of a secret with several recipients: the content key sealed to this link.</summary>
public sealed record OpenSecretResponse(string Manifest, int ViewsLeft, StreamTicket? Stream,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    string? WrappedKey = null);

public sealed record StreamTicket(long Bytes, string DownloadToken, DateTimeOffset ExpiresAt);

/// <summary><c>GET /api/secrets/{id}/manage</c>.</summary>
public sealed record SecretStatusResponse(
    string Id,
    string State,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    int MaxViews,
    int ViewsLeft,
    IReadOnlyList<DateTimeOffset> OpenedAt,
    int FailedAttempts,
    int? PassphraseAttemptsLeft,
    DateTimeOffset? DestroyedAt,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyList<RecipientStatus>? Recipients = null);

/// <summary>One link of a secret with several recipients, as its creator sees it.</summary>
public sealed record RecipientStatus(
    string Id,
    string? Label,
    string State,
    int ViewsLeft,
    IReadOnlyList<DateTimeOffset> OpenedAt,
    int FailedAttempts,
    int? PassphraseAttemptsLeft,
    DateTimeOffset? DestroyedAt);

/// <summary>The <c>state</c> strings of look and manage answers.</summary>
public static class SecretStates
{
    public const string Uploading = "uploading";
    public const string Available = "available";
    public const string Unread = "unread";
    public const string PartlyRead = "partly-read";
    public const string Opened = "opened";
    public const string Expired = "expired";
    public const string Destroyed = "destroyed";
    public const string Burned = "burned";
}

/// <summary>HTTP header names of the secrets API.</summary>
public static class SecretHeaders
{
    /// <summary>Carries b64u(access key) on look requests, to learn why a secret is gone.</summary>
    public const string Access = "Parley-Access";

    /// <summary>Bytes of the stream received so far, on partial uploads.</summary>
    public const string Received = "Parley-Received";
}
