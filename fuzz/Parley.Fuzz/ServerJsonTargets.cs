using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Parley.Contracts;
using Parley.Contracts.Messaging;
using Parley.Contracts.Requests;
using Parley.Contracts.Secrets;
using Parley.Crypto;
using Parley.Server.Features.Messaging;
using Parley.Server.Features.Secrets;
using Parley.Server.Infrastructure.Text;

namespace Parley.Fuzz;

/// <summary>
/// The server's JSON request bodies, read as <c>JsonBody.ReadAsync</c> reads them (the contracts'
/// source-generated, strict metadata) and then checked with the helpers the endpoints call. A body
/// that is not valid JSON for its type is refused with <see cref="JsonException"/>; the checks answer
/// with problems, never exceptions. The first input byte picks the body type.
/// </summary>
internal static class ServerJsonTargets
{
    private static readonly SecretsOptions Secrets = new();

    public static IEnumerable<FuzzTarget> All() =>
    [
        new("secrets-json", "POST /api/secrets and /open bodies", input => Body(input,
        [
            Check(ParleyJsonContext.Default.CreateSecretRequest, CheckCreateSecret),
            Check(ParleyJsonContext.Default.OpenSecretRequest, r => (SecretTokens.HashOf(r.AccessKey), r.PassphraseProof is { } p ? SecretTokens.HashOf(p) : null)),
        ])),
        new("requests-json", "POST /api/requests and /answer bodies", input => Body(input,
        [
            Check(RequestsJsonContext.Default.CreateRequestRequest, CheckCreateRequest),
            Check(RequestsJsonContext.Default.AnswerRequestRequest, CheckAnswer),
        ])),
        new("messaging-json", "accounts, keys, relay and group bodies", input => Body(input,
        [
            Check(MessagingJsonContext.Default.RegisterRequest, CheckRegister),
            Check(MessagingJsonContext.Default.ChallengeRequest, r => Usernames.Canonical(r.Username)),
            Check(MessagingJsonContext.Default.LoginRequest, r => (Usernames.Canonical(r.Username), Exact(r.Nonce, 32), Base64Url.TryDecode(r.Signature, KeyChecks.SignatureBytes))),
            Check(MessagingJsonContext.Default.UploadPreKeysRequest, CheckUploadPreKeys),
            Check(MessagingJsonContext.Default.SendMessageRequest, r => (Usernames.Canonical(r.To), Base64Url.TryDecode(r.Content, 64 * 1024))),
            Check(MessagingJsonContext.Default.AckRequest, r => r.Ids.Count),
            Check(MessagingJsonContext.Default.QueuedQueryRequest, r => r.Ids.Count),
            Check(MessagingJsonContext.Default.CreateGroupRequest, r => (VisibleText.Problem(r.Name, GroupService.MaxNameLength), r.Members.Select(Usernames.Canonical).ToList())),
            Check(MessagingJsonContext.Default.AddMembersRequest, r => r.Usernames.Select(Usernames.Canonical).ToList()),
            Check(MessagingJsonContext.Default.SendGroupMessageRequest, r => Base64Url.TryDecode(r.Content, 64 * 1024)),
        ])),
    ];

    private delegate void BodyCheck(ReadOnlySpan<byte> json);

    private static void Body(ReadOnlySpan<byte> input, BodyCheck[] kinds)
    {
        var choice = Refusals.Select(input, kinds.Length, out var json);
        kinds[choice](json);
    }

    private static BodyCheck Check<T>(JsonTypeInfo<T> type, Func<T, object?> validate)
        where T : class =>
        json =>
        {
            T? body = null;
            var bytes = json.ToArray();
            Refusals.Allow<JsonException>(() => body = JsonSerializer.Deserialize(bytes, type));
            if (body is not null)
            {
                validate(body);
            }
        };

    private static object? CheckCreateSecret(CreateSecretRequest r)
    {
        var errors = new Dictionary<string, string[]>();
        var tooLarge = SecretContent.Check(r.Manifest, r.AccessVerifier, r.StreamBytes, Secrets, errors, out _, out _);
        var passphrase = r.Passphrase is { } p ? (Exact(p.Salt, 16), p.Verifier is not null && Exact(p.Verifier, 32)) : default;
        return (tooLarge, TimeSpan.FromSeconds(r.ExpiresInSeconds), passphrase);
    }

    private static object? CheckCreateRequest(CreateRequestRequest r) =>
        (Exact(r.TokenVerifier, 32), Exact(r.SendVerifier, 32), TimeSpan.FromSeconds(r.ExpiresInSeconds), r.Label is { } label ? VisibleText.Problem(label, RequestLimits.MaxLabelLength) : null);

    private static object? CheckAnswer(AnswerRequestRequest r)
    {
        var errors = new Dictionary<string, string[]>();
        return (SecretTokens.HashOf(r.SendToken), Exact(r.EphemeralKey, 32),
            SecretContent.Check(r.Manifest, r.AccessVerifier, r.StreamBytes, Secrets, errors, out _, out _));
    }

    private static object? CheckRegister(RegisterRequest r)
    {
        var verdict = new KeyChecks.Verdict();
        Usernames.Check(r.Username, [], out _);
        var identityBytes = KeyChecks.Curve(r.IdentityKey, "identityKey", verdict);
        if (identityBytes is null)
        {
            return verdict.Problem;
        }

        var identity = Curve25519PublicKey.Decode(identityBytes);
        KeyChecks.Signature(identity, identityBytes, r.Proof, "proof", verdict);
        KeyChecks.SignedCurve(identity, r.SignedPreKey, "signedPreKey", verdict);
        KeyChecks.SignedKyber(identity, r.KyberLastResortPreKey, "kyberLastResortPreKey", verdict);
        KeyChecks.OneTimeCurves(r.PreKeys, 100, verdict);
        KeyChecks.OneTimeKybers(identity, r.KyberPreKeys, 100, verdict);
        return verdict.Problem;
    }

    // The keys endpoint checks uploads against the account's identity; a fixed one stands in for it.
    private static object? CheckUploadPreKeys(UploadPreKeysRequest r)
    {
        var verdict = new KeyChecks.Verdict();
        var identity = FuzzKeys.IdentityA;
        if (r.SignedPreKey is not null)
        {
            KeyChecks.SignedCurve(identity, r.SignedPreKey, "signedPreKey", verdict);
        }

        if (r.KyberLastResortPreKey is not null)
        {
            KeyChecks.SignedKyber(identity, r.KyberLastResortPreKey, "kyberLastResortPreKey", verdict);
        }

        KeyChecks.OneTimeCurves(r.PreKeys, 100, verdict);
        KeyChecks.OneTimeKybers(identity, r.KyberPreKeys, 100, verdict);
        return verdict.Problem;
    }

    private static bool Exact(string text, int length) => Base64Url.TryDecodeExact(text, new byte[length]);
}
