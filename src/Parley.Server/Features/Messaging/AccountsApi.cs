using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Parley.Contracts.Messaging;
using Parley.Crypto;
using Parley.Server.Infrastructure.Http;
using Parley.Server.Infrastructure.Text;

namespace Parley.Server.Features.Messaging;

/// <summary>Accounts, login and prekeys (docs/messaging-api.md). Every handler checks all input before it changes anything.</summary>
internal sealed class AccountsApi(
    IAccountStore accounts,
    IPreKeyStore keyStore,
    GroupService groups,
    RelayWakeBus wake,
    MessagingServerName serverName,
    IOptions<MessagingOptions> options,
    TimeProvider time,
    MessagingMetrics metrics,
    ILogger<AccountsApi> logger)
{
    private const int SmallBody = 4 * 1024;
    private readonly MessagingOptions _o = options.Value;

    // Each one-time Kyber key is ~2.3 KB of JSON; EC keys ~70 bytes.
    private long KeysBodyLimit => 16 * 1024 + ((long)_o.MaxPreKeysPerUpload * (2400 + 100));

    public async Task<IResult> RegisterAsync(HttpContext context)
    {
        if (_o.Registration == RegistrationMode.Closed)
        {
            return MessagingProblems.RegistrationClosed();
        }

        if (RefuseServerName(context, "Registration", MessagingProblems.WrongServerName, out var name) is { } refused)
        {
            return refused;
        }

        var (request, problem) = await JsonBody.ReadAsync(context.Request, MessagingJsonContext.Default.RegisterRequest, KeysBodyLimit);
        if (problem is not null)
        {
            return problem;
        }

        switch (Usernames.Check(request!.Username, _o.ReservedUsernames, out var username))
        {
            case Usernames.Verdict.Invalid:
                return MessagingProblems.UsernameInvalid();
            case Usernames.Verdict.Reserved:
                return MessagingProblems.UsernameReserved();
        }

        if (request.RegistrationId is < 1 or > KeyChecks.MaxRegistrationId)
        {
            return MessagingProblems.Invalid("registrationId", $"must lie between 1 and {KeyChecks.MaxRegistrationId}");
        }

        var verdict = new KeyChecks.Verdict();
        var identityBytes = KeyChecks.Curve(request.IdentityKey, "identityKey", verdict);
        if (verdict.Failed)
        {
            return verdict.Problem!;
        }

        var identity = Curve25519PublicKey.Decode(identityBytes);
        KeyChecks.Signature(identity, LoginMessage.ForRegistration(name, username, identityBytes), request.Proof, "proof", verdict);
        var signed = KeyChecks.SignedCurve(identity, request.SignedPreKey, "signedPreKey", verdict);
        var lastResort = KeyChecks.SignedKyber(identity, request.KyberLastResortPreKey, "kyberLastResortPreKey", verdict);
        var preKeys = KeyChecks.OneTimeCurves(request.PreKeys, _o.MaxPreKeysPerUpload, verdict);
        var kyberPreKeys = KeyChecks.OneTimeKybers(identity, request.KyberPreKeys, _o.MaxPreKeysPerUpload, verdict);
        if (verdict.Failed)
        {
            return verdict.Problem!;
        }

        byte[]? inviteHash = null;
        if (_o.Registration == RegistrationMode.Invite)
        {
            inviteHash = InviteHash(request.InviteCode);
            if (inviteHash is null)
            {
                MessagingLog.RegistrationRefused(logger, "invite");
                return MessagingProblems.InviteRequired();
            }
        }
        else if (request.InviteCode is not null)
        {
            return MessagingProblems.Invalid("inviteCode", "is only accepted when registration needs an invite");
        }

        var status = await accounts.RegisterAsync(new NewAccount(username, identityBytes!, request.RegistrationId, signed!, lastResort!,
            preKeys, kyberPreKeys, time.GetUtcNow(), inviteHash), context.RequestAborted);
        switch (status)
        {
            case RegisterStatus.UsernameTaken:
                return MessagingProblems.UsernameTaken();
            case RegisterStatus.InviteUsed:
                MessagingLog.RegistrationRefused(logger, "invite used");
                return MessagingProblems.InviteRequired();
        }

        MessagingLog.Registered(logger, preKeys.Count, kyberPreKeys.Count);
        metrics.Registered();
        context.Response.Headers.Location = "/api/accounts/" + username;
        return TypedResults.Json(new AccountResponse(username, Base64Url.Encode(identityBytes!), request.RegistrationId),
            MessagingJsonContext.Default.AccountResponse, statusCode: StatusCodes.Status201Created);
    }

    /// <summary>The hash of a configured invite code (compared in constant time), or null.</summary>
    private byte[]? InviteHash(string? code)
    {
        if (code is null || code.Length > 128)
        {
            return null;
        }

        var offered = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(code));
        byte[]? match = null;
        foreach (var configured in _o.InviteCodes)
        {
            var hash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(configured));
            if (CryptographicOperations.FixedTimeEquals(hash, offered))
            {
                match = hash;
            }
        }

        return match;
    }

    public async Task<IResult> GetAccountAsync(string username, HttpContext context)
    {
        var canonical = Usernames.Canonical(username);
        var account = canonical is null ? null : await accounts.FindAccountAsync(canonical, context.RequestAborted);
        return account is null
            ? MessagingProblems.NotFound("account")
            : TypedResults.Json(new AccountResponse(account.Username, Base64Url.Encode(account.IdentityKey), account.RegistrationId),
                MessagingJsonContext.Default.AccountResponse);
    }

    public async Task<IResult> DeleteAccountAsync(HttpContext context)
    {
        var me = context.User.Name();
        await groups.LeaveAllAsync(me, context.RequestAborted);
        await accounts.DeleteAccountAsync(me, context.RequestAborted);
        wake.CloseUser(me);
        MessagingLog.AccountDeleted(logger);
        return TypedResults.NoContent();
    }

    public async Task<IResult> ChallengeAsync(HttpContext context)
    {
        if (RefuseServerName(context, "Challenge", MessagingProblems.WrongServerName, out var name) is { } refused)
        {
            return refused;
        }

        var (request, problem) = await JsonBody.ReadAsync(context.Request, MessagingJsonContext.Default.ChallengeRequest, SmallBody);
        if (problem is not null)
        {
            return problem;
        }

        var username = Usernames.Canonical(request!.Username);
        if (username is null)
        {
            return MessagingProblems.UsernameInvalid();
        }

        var (nonce, _, hash) = MessagingTokens.New();
        var expiresAt = time.GetUtcNow() + _o.ChallengeLifetime;
        // An unknown name gets a nonce too (never stored, so its login fails): no way to probe for accounts.
        if (await accounts.FindAccountAsync(username, context.RequestAborted) is not null)
        {
            await accounts.StoreChallengeAsync(username, hash, expiresAt, context.RequestAborted);
        }

        return TypedResults.Json(new ChallengeResponse(nonce, name, Truncate(expiresAt)), MessagingJsonContext.Default.ChallengeResponse);
    }

    public async Task<IResult> LoginAsync(HttpContext context)
    {
        // An answer relayed under a Host that is not ours fails like any wrong answer, and spends nothing.
        if (RefuseServerName(context, "Login", MessagingProblems.LoginFailed, out var name) is { } refused)
        {
            metrics.Login(ok: false);
            return refused;
        }

        var (request, problem) = await JsonBody.ReadAsync(context.Request, MessagingJsonContext.Default.LoginRequest, SmallBody);
        if (problem is not null)
        {
            return problem;
        }

        var username = Usernames.Canonical(request!.Username);
        if (username is null)
        {
            return MessagingProblems.UsernameInvalid();
        }

        var nonce = new byte[LoginMessage.NonceBytes];
        if (!Base64Url.TryDecodeExact(request.Nonce, nonce))
        {
            return MessagingProblems.Invalid("nonce", "must be 32 bytes, base64url");
        }

        var signature = Base64Url.TryDecode(request.Signature, KeyChecks.SignatureBytes);
        if (signature is null || signature.Length != KeyChecks.SignatureBytes)
        {
            return MessagingProblems.Invalid("signature", "must be a 64-byte signature, base64url");
        }

        // The nonce is spent whatever happens next: a wrong signature cannot be retried against it.
        var expiresAt = await accounts.TakeChallengeAsync(username, SHA256.HashData(nonce), context.RequestAborted);
        var now = time.GetUtcNow();
        if (expiresAt is null || expiresAt <= now)
        {
            MessagingLog.LoginRefused(logger, expiresAt is null ? "unknown or used nonce" : "expired nonce");
            metrics.Login(ok: false);
            return MessagingProblems.LoginFailed();
        }

        var account = await accounts.FindAccountAsync(username, context.RequestAborted);
        if (account is null
            || !XEdDsa.Verify(Curve25519PublicKey.Decode(account.IdentityKey), LoginMessage.ForLogin(name, username, nonce), signature))
        {
            MessagingLog.LoginRefused(logger, "signature");
            metrics.Login(ok: false);
            return MessagingProblems.LoginFailed();
        }

        var (token, raw, hash) = MessagingTokens.New();
        CryptographicOperations.ZeroMemory(raw);
        var tokenExpiresAt = Truncate(now + _o.TokenLifetime);
        await accounts.StoreTokenAsync(hash, username, tokenExpiresAt, context.RequestAborted);
        MessagingLog.LoggedIn(logger);
        metrics.Login(ok: true);
        return TypedResults.Json(new LoginResponse(token, tokenExpiresAt), MessagingJsonContext.Default.LoginResponse);
    }

    public async Task<IResult> LogoutAsync(HttpContext context)
    {
        var hash = context.User.TokenHash();
        await accounts.DeleteTokenAsync(hash, context.RequestAborted);
        wake.CloseToken(hash);
        return TypedResults.NoContent();
    }

    public async Task<IResult> UploadPreKeysAsync(HttpContext context)
    {
        var (request, problem) = await JsonBody.ReadAsync(context.Request, MessagingJsonContext.Default.UploadPreKeysRequest, KeysBodyLimit);
        if (problem is not null)
        {
            return problem;
        }

        var me = context.User.Name();
        var account = await accounts.FindAccountAsync(me, context.RequestAborted);
        if (account is null)
        {
            return MessagingProblems.NotFound("account");
        }

        var identity = Curve25519PublicKey.Decode(account.IdentityKey);
        var verdict = new KeyChecks.Verdict();
        var signed = request!.SignedPreKey is null ? null : KeyChecks.SignedCurve(identity, request.SignedPreKey, "signedPreKey", verdict);
        var lastResort = request.KyberLastResortPreKey is null ? null
            : KeyChecks.SignedKyber(identity, request.KyberLastResortPreKey, "kyberLastResortPreKey", verdict);
        var preKeys = KeyChecks.OneTimeCurves(request.PreKeys, _o.MaxPreKeysPerUpload, verdict);
        var kyberPreKeys = KeyChecks.OneTimeKybers(identity, request.KyberPreKeys, _o.MaxPreKeysPerUpload, verdict);
        if (verdict.Failed)
        {
            return verdict.Problem!;
        }

        if (signed is null && lastResort is null && preKeys.Count == 0 && kyberPreKeys.Count == 0)
        {
            return MessagingProblems.Invalid("$", "must carry at least one key");
        }

        return await keyStore.AddPreKeysAsync(me, new PreKeyUpload(signed, lastResort, preKeys, kyberPreKeys), _o.MaxStoredPreKeys, context.RequestAborted) switch
        {
            UploadStatus.Stored => TypedResults.NoContent(),
            UploadStatus.Conflict => MessagingProblems.PreKeyConflict(),
            UploadStatus.TooMany => MessagingProblems.TooManyPreKeys(_o.MaxStoredPreKeys),
            _ => MessagingProblems.NotFound("account"),
        };
    }

    public async Task<IResult> CountPreKeysAsync(HttpContext context)
    {
        var counts = await keyStore.CountPreKeysAsync(context.User.Name(), context.RequestAborted);
        return TypedResults.Json(new PreKeyCountResponse(counts.PreKeys, counts.KyberPreKeys), MessagingJsonContext.Default.PreKeyCountResponse);
    }

    public async Task<IResult> GetBundleAsync(string username, HttpContext context, MessagingLimits limits)
    {
        var target = Usernames.Canonical(username);
        if (target is null)
        {
            return MessagingProblems.UsernameInvalid();
        }

        if (limits.TryFetchBundle(context.User.Name(), target) is { } refused)
        {
            metrics.BundleFetchRateLimited();
            return refused;
        }

        var bundle = await keyStore.TakeBundleAsync(target, context.RequestAborted);
        if (bundle is null)
        {
            return MessagingProblems.NotFound("account");
        }

        static SignedPreKey Signed(StoredPreKey k) => new(k.Id, Base64Url.Encode(k.PublicKey), Base64Url.Encode(k.Signature!));
        MessagingLog.BundleServed(logger, bundle.PreKey is not null, bundle.KyberIsLastResort);
        return TypedResults.Json(new PreKeyBundleResponse(bundle.Account.Username, Base64Url.Encode(bundle.Account.IdentityKey),
            bundle.Account.RegistrationId, 1,
            bundle.PreKey is { } pk ? new OneTimePreKey(pk.Id, Base64Url.Encode(pk.PublicKey)) : null,
            Signed(bundle.SignedPreKey), Signed(bundle.KyberPreKey), bundle.KyberIsLastResort), MessagingJsonContext.Default.PreKeyBundleResponse);
    }

    public IResult Config() => TypedResults.Json(new MessagingConfigResponse(
        _o.Registration.ToString().ToLowerInvariant(), _o.PresenceVisibility.ToString().ToLowerInvariant(), _o.MaxEnvelopeBytes,
        _o.MaxQueuedEnvelopes, (int)_o.EnvelopeTtl.TotalSeconds, _o.MaxPreKeysPerUpload, _o.MaxStoredPreKeys, _o.MaxGroupMembers,
        (int)_o.TokenLifetime.TotalSeconds), MessagingJsonContext.Default.MessagingConfigResponse);

    /// <summary>
    /// This server's name for the request (<see cref="MessagingServerName"/>), or the answer that refuses
    /// it: 503 when no name can be trusted on this server, <paramref name="wrongHost"/> when the request's
    /// Host is not this server's name.
    /// </summary>
    private ProblemHttpResult? RefuseServerName(HttpContext context, string what, Func<ProblemHttpResult> wrongHost, out string name)
    {
        name = string.Empty;
        if (serverName.Unavailable() is { } unavailable)
        {
            return unavailable;
        }

        if (serverName.NameFor(context.Request) is { } known)
        {
            name = known;
            return null;
        }

        MessagingLog.WrongHostRefused(logger, what);
        return wrongHost();
    }

    private static DateTimeOffset Truncate(DateTimeOffset t) => DateTimeOffset.FromUnixTimeMilliseconds(t.ToUnixTimeMilliseconds());
}
