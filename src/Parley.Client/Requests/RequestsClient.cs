using System.Security.Cryptography;
using Parley.Client.Secrets;
using Parley.Client.Secrets.Api;
using Parley.Contracts.Requests;

namespace Parley.Client.Requests;

/// <summary>A created request: the send link for the responder and the private link for the requester (which holds the private key until disposed).</summary>
public sealed class CreatedRequest(SendLink send, PrivateLink privateLink, DateTimeOffset expiresAt, string? label,
    string? webhookSigningKey = null) : IDisposable
{
    /// <summary>The webhook's signing key (<c>whsec_…</c>) when a webhook was asked for; the server shows it only this once.</summary>
    public string? WebhookSigningKey { get; } = webhookSigningKey;

    public SendLink Send { get; } = send;

    public PrivateLink Private { get; } = privateLink;

    public DateTimeOffset ExpiresAt { get; } = expiresAt;

    public string? Label { get; } = label;

    public void Dispose() => Private.Dispose();

    public override string ToString() => $"CreatedRequest({Send.Id})";
}

/// <summary>An answer the server accepted: the request, the answer's secret, and when it expires.</summary>
public sealed record AnsweredRequest(string RequestId, string SecretId, DateTimeOffset ExpiresAt);

/// <summary>
/// Request-a-secret on the client side (docs/request-format.md §3), over <see cref="SecretsApi"/>.
/// The requester's private key, the tokens and the answer's link key are made and used here and
/// never leave the process; the answer itself is sealed and opened as an ordinary secret.
/// </summary>
public sealed class RequestsClient(SecretsApi api)
{
    private readonly SecretsClient _secrets = new(api);

    public SecretsApi Api { get; } = api ?? throw new ArgumentNullException(nameof(api));

    /// <summary>Makes a fresh key pair and creates the request on the server.</summary>
    public Task<CreatedRequest> CreateAsync(string? label, int expiresInSeconds, CancellationToken cancellationToken = default) =>
        CreateAsync(label, expiresInSeconds, webhook: null, cancellationToken);

    /// <summary>As above, with a URL the server notifies when the request is answered and the answer opened (docs/webhooks.md).</summary>
    public async Task<CreatedRequest> CreateAsync(string? label, int expiresInSeconds, string? webhook, CancellationToken cancellationToken = default)
    {
        var privateKey = RandomNumberGenerator.GetBytes(RequestFormat.KeySize);
        var publicKey = RequestFormat.PublicKeyOf(privateKey);
        var requestToken = RequestFormat.RequestToken(privateKey);
        var sendToken = RequestFormat.SendToken(publicKey);
        try
        {
            var request = new CreateRequestRequest(Verifier(requestToken), Verifier(sendToken), label, expiresInSeconds, webhook);
            var created = await Api.CreateRequestAsync(request, cancellationToken).ConfigureAwait(false);
            try
            {
                return new CreatedRequest(new SendLink(Api.Server, created.Id, publicKey), new PrivateLink(Api.Server, created.Id, privateKey),
                    created.ExpiresAt, label, created.WebhookSigningKey);
            }
            catch (ArgumentException e)
            {
                throw new SecretsApiException(ApiFailure.UnexpectedResponse, "The server returned an id that does not follow the Parley API.", e);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
            CryptographicOperations.ZeroMemory(requestToken);
            CryptographicOperations.ZeroMemory(sendToken);
        }
    }

    /// <summary>Looks at a request with its send link; changes nothing. Fails with the request's state when it takes no answer.</summary>
    public async Task<RequestLookResponse> LookAsync(SendLink link, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(link);
        var sendToken = RequestFormat.SendToken(link.PublicKey);
        try
        {
            return await Api.LookAtRequestAsync(link.Id, Base64UrlStrict.Encode(sendToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sendToken);
        }
    }

    /// <summary>
    /// Encrypts <paramref name="answer"/> (text and files; no passphrase) to the requester's key and
    /// posts it as the request's one answer. If the file upload fails, the answer is withdrawn and the
    /// request waits for an answer again.
    /// </summary>
    /// <exception cref="SecretFormatException">The link's public key is not usable (low order).</exception>
    public async Task<AnsweredRequest> RespondAsync(SendLink link, NewSecret answer, IProgress<long>? uploadProgress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(answer);
        var (ephemeralPublic, linkKey) = RequestFormat.Respond(link.PublicKey);
        var sendToken = RequestFormat.SendToken(link.PublicKey);
        try
        {
            return await _secrets.SealAndPostAsync(answer with { Passphrase = null }, linkKey, null, async (sealedSecret, ct) =>
            {
                var request = new AnswerRequestRequest(Base64UrlStrict.Encode(sendToken), Base64UrlStrict.Encode(ephemeralPublic),
                    sealedSecret.Manifest, sealedSecret.AccessVerifier, sealedSecret.StreamBytes);
                var posted = await Api.AnswerRequestAsync(link.Id, request, ct).ConfigureAwait(false);
                return new PostedSecret<AnsweredRequest>(posted.SecretId, posted.UploadToken, posted.UploadRequired,
                    new AnsweredRequest(link.Id, posted.SecretId, posted.ExpiresAt));
            }, uploadProgress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(linkKey);
            CryptographicOperations.ZeroMemory(sendToken);
        }
    }

    /// <summary>
    /// Where the answer is, as the share link of the answer's secret (<c>K</c> from the private key and
    /// the answer's <c>E</c>): open it with <see cref="SecretsClient"/> like any share link. Changes nothing.
    /// Fails with <see cref="ApiFailure.NotAnswered"/> while the request waits.
    /// </summary>
    public async Task<(ShareLink Answer, DateTimeOffset AnsweredAt)> FindAnswerAsync(PrivateLink link, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(link);
        var requestToken = RequestFormat.RequestToken(link.PrivateKey);
        byte[]? linkKey = null;
        try
        {
            var answer = await Api.GetRequestAnswerAsync(link.Id, Base64UrlStrict.Encode(requestToken), cancellationToken).ConfigureAwait(false);
            if (!Base64UrlStrict.TryDecode(answer.EphemeralKey, RequestFormat.KeySize, out var ephemeralPublic))
            {
                throw new SecretsApiException(ApiFailure.UnexpectedResponse, "The server sent an answer key that is not 32 bytes of base64url.");
            }

            linkKey = RequestFormat.RequesterLinkKey(link.PrivateKey, ephemeralPublic);
            try
            {
                return (new ShareLink(Api.Server, answer.SecretId, linkKey), answer.AnsweredAt);
            }
            catch (ArgumentException e)
            {
                throw new SecretsApiException(ApiFailure.UnexpectedResponse, "The server returned an id that does not follow the Parley API.", e);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(requestToken);
            if (linkKey is not null)
            {
                CryptographicOperations.ZeroMemory(linkKey);
            }
        }
    }

    public Task<RequestStatusResponse> StatusAsync(PrivateLink link, CancellationToken cancellationToken = default) =>
        WithRequestTokenAsync(link, (id, token) => Api.GetRequestStatusAsync(id, token, cancellationToken));

    /// <summary>Withdraws the request; an answer not opened yet is destroyed with it.</summary>
    public Task DestroyAsync(PrivateLink link, CancellationToken cancellationToken = default) =>
        WithRequestTokenAsync(link, async (id, token) =>
        {
            await Api.DestroyRequestAsync(id, token, cancellationToken).ConfigureAwait(false);
            return true;
        });

    private static async Task<T> WithRequestTokenAsync<T>(PrivateLink link, Func<string, string, Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(link);
        var requestToken = RequestFormat.RequestToken(link.PrivateKey);
        try
        {
            return await call(link.Id, Base64UrlStrict.Encode(requestToken)).ConfigureAwait(false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(requestToken);
        }
    }

    private static string Verifier(byte[] token) => Base64UrlStrict.Encode(SHA256.HashData(token));
}
