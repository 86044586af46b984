using System.Net;
using System.Net.Http.Json;
using Parley.Client.Messaging;
using Parley.Contracts;
using Parley.Contracts.Messaging;
using Parley.Crypto;
using Parley.Messaging.Tests.Support;
using Parley.Server.Features.Messaging;

namespace Parley.Messaging.Tests;

/// <summary>
/// Accounts, login and the prekey directory over real HTTP against real Kestrel; the same tests run on
/// every storage provider (classes at the end of the file).
/// </summary>
public abstract class AccountsContract(MessagingServer provider)
{
    protected MessagingServer Provider { get; } = provider;

    private static async Task<MessagingApiException> Refused(Func<Task> call) => await Should.ThrowAsync<MessagingApiException>(call);

    [Fact]
    public async Task Registered_user_logs_in_with_a_signed_challenge()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server, login: false);
        var challenge = await alice.Api.ChallengeAsync(alice.Name);
        challenge.ServerName.ShouldBe(alice.Api.ServerName);
        var login = await alice.Api.LoginAsync(alice.Name, alice.Keys.Identity);
        login.Token.Length.ShouldBe(43);
        login.ExpiresAt.ShouldBe(server.Time!.GetUtcNow().AddHours(1), TimeSpan.FromSeconds(1));
        (await alice.Api.CountPreKeysAsync()).ShouldBe(new PreKeyCountResponse(0, 0));
    }

    [Fact]
    public async Task Usernames_are_unique_without_regard_to_case()
    {
        var server = await Provider.GetAsync();
        var name = TestUser.NewName("Case");
        await using var first = await TestUser.CreateAsync(server, name);
        var e = await Refused(() => TestUser.CreateAsync(server, name.ToUpperInvariant()));
        e.Type.ShouldBe(MessagingProblemTypes.UsernameTaken);
        e.Status.ShouldBe(409);
        (await first.Api.GetAccountAsync(name.ToUpperInvariant())).Username.ShouldBe(name.ToLowerInvariant());
    }

    [Theory]
    [InlineData("ab", MessagingProblemTypes.UsernameInvalid)]
    [InlineData("1abc", MessagingProblemTypes.UsernameInvalid)]
    [InlineData("ab..cd", MessagingProblemTypes.UsernameInvalid)]
    [InlineData("abc-", MessagingProblemTypes.UsernameInvalid)]
    [InlineData("héllo", MessagingProblemTypes.UsernameInvalid)]
    [InlineData("ali\u200Bce", MessagingProblemTypes.UsernameInvalid)]
    [InlineData("\uFEFFalice", MessagingProblemTypes.UsernameInvalid)]
    [InlineData("alice\u2028", MessagingProblemTypes.UsernameInvalid)]
    [InlineData("alice\u202E", MessagingProblemTypes.UsernameInvalid)]
    [InlineData("a23456789012345678901234567890123", MessagingProblemTypes.UsernameInvalid)]
    [InlineData("Admin", MessagingProblemTypes.UsernameReserved)]
    [InlineData("parley", MessagingProblemTypes.UsernameReserved)]
    public async Task Bad_and_reserved_usernames_are_refused(string name, string type)
    {
        var server = await Provider.GetAsync();
        (await Refused(() => TestUser.CreateAsync(server, name))).Type.ShouldBe(type);
        var store = server.Store<IAccountStore>();
        (await store.FindAccountAsync(name.ToLowerInvariant(), default)).ShouldBeNull();
    }

    [Fact]
    public async Task A_replayed_nonce_is_refused()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server, login: false);
        var challenge = await alice.Api.ChallengeAsync(alice.Name);
        var nonce = System.Buffers.Text.Base64Url.DecodeFromChars(challenge.Nonce);
        var request = new LoginRequest(alice.Name, challenge.Nonce,
            AccountKeys.B64u(MessagingSignatures.SignLogin(alice.Keys.Identity, alice.Api.ServerName, alice.Name, nonce)));
        (await alice.Api.LoginAsync(request)).Token.ShouldNotBeNullOrEmpty();
        var replay = await Refused(() => alice.Api.LoginAsync(request));
        replay.Type.ShouldBe(MessagingProblemTypes.LoginFailed);
        replay.Status.ShouldBe(401);
    }

    [Fact]
    public async Task An_expired_nonce_is_refused()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server, login: false);
        var challenge = await alice.Api.ChallengeAsync(alice.Name);
        server.Time!.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));
        var nonce = System.Buffers.Text.Base64Url.DecodeFromChars(challenge.Nonce);
        var request = new LoginRequest(alice.Name, challenge.Nonce,
            AccountKeys.B64u(MessagingSignatures.SignLogin(alice.Keys.Identity, alice.Api.ServerName, alice.Name, nonce)));
        (await Refused(() => alice.Api.LoginAsync(request))).Type.ShouldBe(MessagingProblemTypes.LoginFailed);
    }

    [Fact]
    public async Task A_wrong_signature_is_refused_and_spends_the_nonce()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server, login: false);
        using var mallory = Curve25519PrivateKey.Generate();
        var challenge = await alice.Api.ChallengeAsync(alice.Name);
        var nonce = System.Buffers.Text.Base64Url.DecodeFromChars(challenge.Nonce);
        var forged = new LoginRequest(alice.Name, challenge.Nonce,
            AccountKeys.B64u(MessagingSignatures.SignLogin(mallory, alice.Api.ServerName, alice.Name, nonce)));
        (await Refused(() => alice.Api.LoginAsync(forged))).Type.ShouldBe(MessagingProblemTypes.LoginFailed);

        // The right signature over the same nonce is now too late: the nonce is single-use.
        var honest = new LoginRequest(alice.Name, challenge.Nonce,
            AccountKeys.B64u(MessagingSignatures.SignLogin(alice.Keys.Identity, alice.Api.ServerName, alice.Name, nonce)));
        (await Refused(() => alice.Api.LoginAsync(honest))).Type.ShouldBe(MessagingProblemTypes.LoginFailed);
    }

    [Fact]
    public async Task A_signature_for_another_server_or_user_is_refused()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server, login: false);
        foreach (var (serverName, user) in new[] { ("evil.example", alice.Name), (alice.Api.ServerName, alice.Name + "x") })
        {
            var challenge = await alice.Api.ChallengeAsync(alice.Name);
            var nonce = System.Buffers.Text.Base64Url.DecodeFromChars(challenge.Nonce);
            var request = new LoginRequest(alice.Name, challenge.Nonce,
                AccountKeys.B64u(MessagingSignatures.SignLogin(alice.Keys.Identity, serverName, user, nonce)));
            (await Refused(() => alice.Api.LoginAsync(request))).Type.ShouldBe(MessagingProblemTypes.LoginFailed);
        }
    }

    [Fact]
    public async Task A_flood_of_challenges_keeps_only_the_newest_eight_for_the_account()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server, login: false);
        var challenges = new List<ChallengeResponse>();
        for (var i = 0; i < 20; i++)
        {
            challenges.Add(await alice.Api.ChallengeAsync(alice.Name));
            server.Time?.Advance(TimeSpan.FromMilliseconds(1)); // distinct expiries where the clock is the test's
        }

        // the oldest were dropped as newer ones came; the newest (the one a client answers) still works
        (await Refused(() => alice.Api.LoginAsync(Answer(alice, challenges[0], alice.Api.ServerName)))).Type.ShouldBe(MessagingProblemTypes.LoginFailed);
        (await Refused(() => alice.Api.LoginAsync(Answer(alice, challenges[11], alice.Api.ServerName)))).Type.ShouldBe(MessagingProblemTypes.LoginFailed);
        (await alice.Api.LoginAsync(Answer(alice, challenges[19], alice.Api.ServerName))).Token.Length.ShouldBe(43);
        (await alice.Api.LoginAsync(Answer(alice, challenges[12], alice.Api.ServerName))).Token.Length.ShouldBe(43);
    }

    private static LoginRequest Answer(TestUser user, ChallengeResponse challenge, string signedFor) =>
        new(user.Name, challenge.Nonce, AccountKeys.B64u(MessagingSignatures.SignLogin(user.Keys.Identity, signedFor, user.Name,
            System.Buffers.Text.Base64Url.DecodeFromChars(challenge.Nonce))));

    [Fact]
    public async Task A_login_relayed_under_another_host_name_is_refused()
    {
        // The relay: a server the victim logs in to asks this one for a challenge under its own name
        // (Host: evil.example), has the victim sign for evil.example, and replays the answer the same way.
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server, login: false);
        using var relay = new MessagingApi(server.BaseAddress, new HostHeaderHandler("evil.example"));
        var challenge = await Refused(() => relay.ChallengeAsync(alice.Name));
        challenge.Status.ShouldBe(421);
        challenge.Type.ShouldBe(MessagingProblemTypes.WrongServerName);

        // A nonce fetched under the right name does not help: under the relay's Host every answer fails,
        // whatever name it was signed for, and spends nothing.
        var honest = await alice.Api.ChallengeAsync(alice.Name);
        foreach (var signedFor in new[] { "evil.example", alice.Api.ServerName })
        {
            var login = await Refused(() => relay.LoginAsync(Answer(alice, honest, signedFor)));
            login.Status.ShouldBe(401);
            login.Type.ShouldBe(MessagingProblemTypes.LoginFailed);
        }

        (await alice.Api.LoginAsync(Answer(alice, honest, alice.Api.ServerName))).Token.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task A_registration_proof_for_another_host_name_is_refused_and_creates_nothing()
    {
        var server = await Provider.GetAsync();
        using var keys = AccountKeys.Generate();
        using var relay = new MessagingApi(server.BaseAddress, new HostHeaderHandler("evil.example"));
        var name = TestUser.NewName();
        var e = await Refused(() => relay.RegisterAsync(keys.RegisterRequest(name, "evil.example")));
        e.Status.ShouldBe(421);
        e.Type.ShouldBe(MessagingProblemTypes.WrongServerName);
        (await server.Store<IAccountStore>().FindAccountAsync(name, default)).ShouldBeNull();
    }

    [Fact]
    public async Task Without_a_configured_name_every_loopback_name_of_the_server_works()
    {
        var server = await Provider.GetAsync();
        foreach (var host in new[] { "localhost", "127.0.0.1", "127.0.0.2", "[::1]" })
        {
            var serverName = $"{host}:{server.BaseAddress.Port}";
            using var api = new MessagingApi(server.BaseAddress, new HostHeaderHandler(serverName));
            using var keys = AccountKeys.Generate();
            var name = TestUser.NewName();
            (await api.RegisterAsync(keys.RegisterRequest(name, serverName))).Username.ShouldBe(name);
            var challenge = await api.ChallengeAsync(name);
            challenge.ServerName.ShouldBe(serverName);
            var nonce = System.Buffers.Text.Base64Url.DecodeFromChars(challenge.Nonce);
            var answer = new LoginRequest(name, challenge.Nonce, AccountKeys.B64u(MessagingSignatures.SignLogin(keys.Identity, serverName, name, nonce)));
            (await api.LoginAsync(answer)).Token.ShouldNotBeNullOrEmpty();
        }
    }

    [Fact]
    public async Task A_configured_server_name_is_the_only_name_signed_and_checked()
    {
        var server = await Provider.StartAsync(new Dictionary<string, string?> { ["Parley:Messaging:ServerName"] = "parley.example" });
        using var direct = new MessagingApi(server.BaseAddress);
        using var relay = new MessagingApi(server.BaseAddress, new HostHeaderHandler("evil.example"));
        using var keys = AccountKeys.Generate();
        var name = TestUser.NewName();
        (await Refused(() => relay.RegisterAsync(keys.RegisterRequest(name, "evil.example")))).Type.ShouldBe(MessagingProblemTypes.BadSignature);
        (await Refused(() => direct.RegisterAsync(keys.RegisterRequest(name, direct.ServerName)))).Type.ShouldBe(MessagingProblemTypes.BadSignature);
        (await relay.RegisterAsync(keys.RegisterRequest(name, "parley.example"))).Username.ShouldBe(name);

        foreach (var signedFor in new[] { "evil.example", direct.ServerName })
        {
            var challenge = await relay.ChallengeAsync(name);
            challenge.ServerName.ShouldBe("parley.example");
            var nonce = System.Buffers.Text.Base64Url.DecodeFromChars(challenge.Nonce);
            var answer = new LoginRequest(name, challenge.Nonce, AccountKeys.B64u(MessagingSignatures.SignLogin(keys.Identity, signedFor, name, nonce)));
            (await Refused(() => relay.LoginAsync(answer))).Type.ShouldBe(MessagingProblemTypes.LoginFailed);
        }

        var right = await direct.ChallengeAsync(name);
        right.ServerName.ShouldBe("parley.example");
        var rightNonce = System.Buffers.Text.Base64Url.DecodeFromChars(right.Nonce);
        (await direct.LoginAsync(new LoginRequest(name, right.Nonce,
            AccountKeys.B64u(MessagingSignatures.SignLogin(keys.Identity, "parley.example", name, rightNonce))))).Token.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task Unknown_users_get_a_nonce_that_never_logs_in()
    {
        var server = await Provider.GetAsync();
        using var api = new MessagingApi(server.BaseAddress);
        using var key = Curve25519PrivateKey.Generate();
        var challenge = await api.ChallengeAsync("nobodyhere");
        challenge.Nonce.Length.ShouldBe(43);
        (await Refused(() => api.LoginAsync("nobodyhere", key))).Type.ShouldBe(MessagingProblemTypes.LoginFailed);
    }

    [Fact]
    public async Task Tokens_expire()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server);
        (await alice.Api.CountPreKeysAsync()).PreKeys.ShouldBe(0);
        server.Time!.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        var e = await Refused(() => alice.Api.CountPreKeysAsync());
        e.Status.ShouldBe(401);
        e.Type.ShouldBe(ProblemTypes.Unauthorized);
        (await Refused(() => RelayClient.ConnectAsync(server.BaseAddress, alice.Token))).ShouldNotBeNull();
    }

    [Fact]
    public async Task Logout_revokes_the_token_and_closes_its_connections()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server);
        var relay = await alice.ConnectAsync();
        await alice.Api.LogoutAsync();
        (await Refused(() => alice.Api.CountPreKeysAsync())).Status.ShouldBe(401);
        await relay.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        relay.State.ShouldBe(RelayClientState.Disconnected);
    }

    [Fact]
    public async Task A_logout_right_after_connecting_still_closes_the_connection()
    {
        // The client sees the hub connection open before the server has registered it; a logout in
        // that gap must not leave an authenticated connection behind.
        var server = await Provider.GetAsync();
        for (var i = 0; i < 10; i++)
        {
            await using var user = await TestUser.CreateAsync(server);
            var relay = await user.ConnectAsync();
            await user.Api.LogoutAsync();
            await relay.Closed.WaitAsync(TimeSpan.FromSeconds(10));
            relay.State.ShouldBe(RelayClientState.Disconnected);
        }
    }

    [Fact]
    public async Task Registration_needs_a_proof_by_the_identity_key()
    {
        var server = await Provider.GetAsync();
        using var keys = AccountKeys.Generate();
        using var api = new MessagingApi(server.BaseAddress);
        var name = TestUser.NewName();
        var request = keys.RegisterRequest(name, api.ServerName);
        using var other = AccountKeys.Generate();
        var stolen = request with { IdentityKey = AccountKeys.B64u(other.Identity.PublicKey.Serialize()) };
        (await Refused(() => api.RegisterAsync(stolen))).Type.ShouldBe(MessagingProblemTypes.BadSignature);
        var renamed = request with { Username = name + "x" };
        (await Refused(() => api.RegisterAsync(renamed))).Type.ShouldBe(MessagingProblemTypes.BadSignature);
        (await server.Store<IAccountStore>().FindAccountAsync(name, default)).ShouldBeNull();
    }

    [Fact]
    public async Task Every_prekey_signature_is_verified()
    {
        var server = await Provider.GetAsync();
        using var keys = AccountKeys.Generate();
        using var api = new MessagingApi(server.BaseAddress);
        var name = TestUser.NewName();
        var good = keys.RegisterRequest(name, api.ServerName, preKeys: 1, kyberPreKeys: 2);
        string Flip(string sig)
        {
            var bytes = System.Buffers.Text.Base64Url.DecodeFromChars(sig);
            bytes[5] ^= 1;
            return AccountKeys.B64u(bytes);
        }

        var cases = new[]
        {
            good with { SignedPreKey = good.SignedPreKey with { Signature = Flip(good.SignedPreKey.Signature) } },
            good with { KyberLastResortPreKey = good.KyberLastResortPreKey with { Signature = Flip(good.KyberLastResortPreKey.Signature) } },
            good with { KyberPreKeys = [good.KyberPreKeys![0], good.KyberPreKeys[1] with { Signature = Flip(good.KyberPreKeys[1].Signature) }] },
            // a signature over another key
            good with { SignedPreKey = good.SignedPreKey with { Signature = good.KyberLastResortPreKey.Signature } },
        };
        foreach (var bad in cases)
        {
            (await Refused(() => api.RegisterAsync(bad))).Type.ShouldBe(MessagingProblemTypes.BadSignature);
        }

        (await server.Store<IAccountStore>().FindAccountAsync(name, default)).ShouldBeNull();
        (await api.RegisterAsync(good)).Username.ShouldBe(name);
    }

    [Fact]
    public async Task Two_bundle_fetches_get_different_one_time_prekeys_then_fall_back_to_the_last_resort_key()
    {
        var server = await Provider.GetAsync();
        await using var bob = await TestUser.CreateAsync(server, preKeys: 2, kyberPreKeys: 2);
        await using var alice = await TestUser.CreateAsync(server);
        (await bob.Api.CountPreKeysAsync()).ShouldBe(new PreKeyCountResponse(2, 2));

        var first = await alice.Api.GetBundleAsync(bob.Name);
        var second = await alice.Api.GetBundleAsync(bob.Name);
        first.PreKey.ShouldNotBeNull();
        second.PreKey.ShouldNotBeNull();
        first.PreKey.Id.ShouldNotBe(second.PreKey.Id);
        first.KyberPreKey.Id.ShouldNotBe(second.KyberPreKey.Id);
        first.KyberPreKeyIsLastResort.ShouldBeFalse();
        second.KyberPreKeyIsLastResort.ShouldBeFalse();
        (await bob.Api.CountPreKeysAsync()).ShouldBe(new PreKeyCountResponse(0, 0));

        var third = await alice.Api.GetBundleAsync(bob.Name);
        third.PreKey.ShouldBeNull();
        third.KyberPreKeyIsLastResort.ShouldBeTrue();
        (await alice.Api.GetBundleAsync(bob.Name)).KyberPreKey.ShouldBe(third.KyberPreKey);

        // Every key the bundle hands out verifies against the identity key.
        var identity = Curve25519PublicKey.Decode(System.Buffers.Text.Base64Url.DecodeFromChars(first.IdentityKey));
        foreach (var k in new[] { first.SignedPreKey, first.KyberPreKey, third.KyberPreKey })
        {
            XEdDsa.Verify(identity, System.Buffers.Text.Base64Url.DecodeFromChars(k.PublicKey),
                System.Buffers.Text.Base64Url.DecodeFromChars(k.Signature)).ShouldBeTrue();
        }

        first.RegistrationId.ShouldBe(bob.Keys.RegistrationId);
        bob.Keys.EcPreKeys.ShouldContainKey(first.PreKey.Id);
        bob.Keys.KyberPreKeys.ShouldContainKey(third.KyberPreKey.Id);
    }

    [Fact]
    public async Task Concurrent_bundle_fetches_never_hand_out_the_same_one_time_prekey()
    {
        var server = await Provider.GetAsync();
        await using var bob = await TestUser.CreateAsync(server, preKeys: 20, kyberPreKeys: 0);
        await using var alice = await TestUser.CreateAsync(server);
        var bundles = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => alice.Api.GetBundleAsync(bob.Name)));
        bundles.Select(b => b.PreKey!.Id).Distinct().Count().ShouldBe(20);
    }

    [Fact]
    public async Task Replenishing_adds_prekeys_and_refuses_repeated_ids_without_storing_any()
    {
        var server = await Provider.GetAsync();
        await using var bob = await TestUser.CreateAsync(server, preKeys: 1);
        var keys = new[] { bob.Keys.NewOneTimePreKey(), bob.Keys.NewOneTimePreKey() };
        await bob.Api.UploadPreKeysAsync(new UploadPreKeysRequest(null, null, keys, [bob.Keys.NewKyberPreKey()]));
        (await bob.Api.CountPreKeysAsync()).ShouldBe(new PreKeyCountResponse(3, 1));

        var repeat = await Refused(() => bob.Api.UploadPreKeysAsync(new UploadPreKeysRequest(null, null, [bob.Keys.NewOneTimePreKey(), keys[0]], null)));
        repeat.Type.ShouldBe(MessagingProblemTypes.PreKeyConflict);
        (await bob.Api.CountPreKeysAsync()).ShouldBe(new PreKeyCountResponse(3, 1));

        var signed = bob.Keys.NewSignedPreKey();
        await bob.Api.UploadPreKeysAsync(new UploadPreKeysRequest(signed, null, null, null));
        await using var alice = await TestUser.CreateAsync(server);
        (await alice.Api.GetBundleAsync(bob.Name)).SignedPreKey.ShouldBe(signed);
    }

    [Fact]
    public async Task Only_a_presented_and_refused_messaging_bearer_is_logged()
    {
        var server = await Provider.StartAsync(new Dictionary<string, string?>());
        var before = server.Logs.Lines.Count;
        string[] AuthLines() => [.. server.Logs.Lines.Skip(before).Where(l =>
            l.Contains("Authentication", StringComparison.Ordinal) || l.Contains("ParleyBearer", StringComparison.Ordinal)
            || l.Contains("Bearer token refused", StringComparison.Ordinal))];

        // Secret routes carry their own bearer tokens (manage, upload, download): nothing about them is messaging's business.
        using var secrets = new Parley.Client.Secrets.Api.SecretsApi(server.BaseAddress.ToString());
        var config = await secrets.GetConfigAsync();
        using var created = await new Parley.Client.Secrets.SecretsClient(secrets).CreateAsync(
            new Parley.Client.Secrets.NewSecret { Text = "x", ExpiresInSeconds = config.DefaultExpirySeconds, MaxViews = 1 }, config);
        (await secrets.GetStatusAsync(created.Manage.Id, created.Manage.ManageToken)).State.ShouldBe("unread");
        await secrets.DestroyAsync(created.Manage.Id, created.Manage.ManageToken);
        await Should.ThrowAsync<Exception>(() => secrets.DestroyAsync(created.Manage.Id, AccountKeys.B64u(new byte[32])));
        AuthLines().ShouldBeEmpty();

        // A messaging route without a bearer: 401, nothing to log.
        using var anonymous = new MessagingApi(server.BaseAddress);
        (await Refused(() => anonymous.CountPreKeysAsync())).Status.ShouldBe(401);
        AuthLines().ShouldBeEmpty();

        // A bearer that was presented and refused: one Information line, without the token.
        var token = AccountKeys.B64u(new byte[32]);
        anonymous.Token = token;
        (await Refused(() => anonymous.CountPreKeysAsync())).Status.ShouldBe(401);
        var line = AuthLines().ShouldHaveSingleItem();
        line.ShouldStartWith("Information ");
        line.ShouldContain("unknown or expired token");
        line.ShouldNotContain(token);
    }

    [Fact]
    public async Task Head_answers_on_messaging_reads_but_not_on_the_bundle_fetch_that_consumes_keys()
    {
        var server = await Provider.GetAsync();
        await using var bob = await TestUser.CreateAsync(server, preKeys: 2, kyberPreKeys: 1);
        using var http = server.CreateClient();
        async Task<HttpResponseMessage> Head(string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, path);
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bob.Token);
            return await http.SendAsync(request);
        }

        foreach (var path in new[] { "api/messaging/config", "api/keys", $"api/accounts/{bob.Name}", "api/messages", "api/presence", "api/groups" })
        {
            using var head = await Head(path);
            head.StatusCode.ShouldBe(HttpStatusCode.OK, path);
            (await head.Content.ReadAsByteArrayAsync()).ShouldBeEmpty(path);
        }

        using var bundle = await Head($"api/keys/{bob.Name}");
        bundle.StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
        (await bob.Api.CountPreKeysAsync()).ShouldBe(new PreKeyCountResponse(2, 1));
    }

    [Fact]
    public async Task Deleting_an_account_deletes_everything_queued_for_it()
    {
        var server = await Provider.GetAsync();
        await using var bob = await TestUser.CreateAsync(server, preKeys: 3);
        await using var alice = await TestUser.CreateAsync(server);
        var store = server.Store<IEnvelopeQueue>();
        var before = await store.CountEnvelopesAsync(default);
        for (var i = 0; i < 5; i++)
        {
            await alice.Api.SendAsync(bob.Name, 2, [1, 2, 3, (byte)i]);
        }

        (await store.CountEnvelopesAsync(default)).ShouldBe(before + 5);
        await bob.Api.DeleteAccountAsync();
        (await store.CountEnvelopesAsync(default)).ShouldBe(before);
        (await server.Store<IAccountStore>().FindAccountAsync(bob.Name, default)).ShouldBeNull();
        (await server.Store<IPreKeyStore>().CountPreKeysAsync(bob.Name, default)).ShouldBe(new Server.Features.Messaging.PreKeyCounts(0, 0));
        (await Refused(() => bob.Api.CountPreKeysAsync())).Status.ShouldBe(401);
        (await Refused(() => alice.Api.SendAsync(bob.Name, 2, [1]))).Type.ShouldBe(MessagingProblemTypes.UnknownRecipient);
    }

    [Fact]
    public async Task Invite_mode_takes_each_code_once_and_closed_mode_takes_none()
    {
        var invite = await Provider.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Messaging:Registration"] = "invite",
            ["Parley:Messaging:InviteCodes:0"] = "welcome-aboard-1",
        });
        (await Refused(() => TestUser.CreateAsync(invite.BaseAddress))).Type.ShouldBe(MessagingProblemTypes.InviteRequired);
        (await Refused(() => TestUser.CreateAsync(invite.BaseAddress, inviteCode: "welcome-aboard-2"))).Type.ShouldBe(MessagingProblemTypes.InviteRequired);
        await using (await TestUser.CreateAsync(invite.BaseAddress, inviteCode: "welcome-aboard-1"))
        {
        }

        (await Refused(() => TestUser.CreateAsync(invite.BaseAddress, inviteCode: "welcome-aboard-1"))).Type.ShouldBe(MessagingProblemTypes.InviteRequired);

        var closed = await Provider.StartAsync(new Dictionary<string, string?> { ["Parley:Messaging:Registration"] = "closed" });
        var e = await Refused(() => TestUser.CreateAsync(closed.BaseAddress));
        e.Type.ShouldBe(MessagingProblemTypes.RegistrationClosed);
        e.Status.ShouldBe(403);
    }

    [Fact]
    public async Task One_caller_cannot_drain_someones_prekeys()
    {
        var server = await Provider.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Messaging:BundleFetchesPerTargetPerHour"] = "3",
            ["Parley:Messaging:TokenLifetime"] = "1.00:00:00",
        });
        await using var bob = await TestUser.CreateAsync(server, preKeys: 10);
        await using var mallory = await TestUser.CreateAsync(server);
        await using var alice = await TestUser.CreateAsync(server);
        for (var i = 0; i < 3; i++)
        {
            await mallory.Api.GetBundleAsync(bob.Name);
        }

        var e = await Refused(() => mallory.Api.GetBundleAsync(bob.Name));
        e.Status.ShouldBe(429);
        e.Type.ShouldBe(ProblemTypes.RateLimited);
        (await bob.Api.CountPreKeysAsync()).PreKeys.ShouldBe(7);
        (await alice.Api.GetBundleAsync(bob.Name)).PreKey.ShouldNotBeNull();
        server.Time!.Advance(TimeSpan.FromHours(1));
        (await mallory.Api.GetBundleAsync(bob.Name)).PreKey.ShouldNotBeNull();
    }

    [Fact]
    public async Task Registration_and_login_are_rate_limited_per_address()
    {
        var server = await Provider.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Messaging:RegistrationsPerHour"] = "2",
            ["Parley:Messaging:LoginsPerMinute"] = "3",
        });
        await using var a = await TestUser.CreateAsync(server, login: false);
        await using var b = await TestUser.CreateAsync(server, login: false);
        var limited = await Refused(() => TestUser.CreateAsync(server));
        limited.Status.ShouldBe(429);
        limited.Detail.ShouldNotBeNull();
        limited.Detail.ShouldNotContain("secret");
        for (var i = 0; i < 3; i++)
        {
            await a.Api.ChallengeAsync(a.Name);
        }

        (await Refused(() => a.Api.ChallengeAsync(a.Name))).Type.ShouldBe(ProblemTypes.RateLimited);
    }

    [Fact]
    public async Task Refused_registrations_use_up_the_address_allowance_too()
    {
        // Decided and documented (docs/messaging-api.md): a refused registration costs the server the same
        // signature and key checks as a good one, so it counts; the window frees the address again.
        var server = await Provider.StartAsync(new Dictionary<string, string?> { ["Parley:Messaging:RegistrationsPerHour"] = "3" });
        using var api = new MessagingApi(server.BaseAddress);
        using var keys = AccountKeys.Generate();
        await using var taken = await TestUser.CreateAsync(server, login: false);
        var good = keys.RegisterRequest(TestUser.NewName(), api.ServerName);
        (await Refused(() => api.RegisterAsync(good with { Proof = good.KyberLastResortPreKey.Signature }))).Type.ShouldBe(MessagingProblemTypes.BadSignature);
        (await Refused(() => api.RegisterAsync(keys.RegisterRequest(taken.Name, api.ServerName)))).Type.ShouldBe(MessagingProblemTypes.UsernameTaken);
        (await Refused(() => api.RegisterAsync(good))).Status.ShouldBe(429);
        (await server.Store<IAccountStore>().FindAccountAsync(good.Username, default)).ShouldBeNull();
        server.Time!.Advance(TimeSpan.FromHours(1));
        (await api.RegisterAsync(good)).Username.ShouldBe(good.Username);
    }

    [Fact]
    public async Task Logs_carry_no_token_nonce_or_key()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server, preKeys: 1);
        var challenge = await alice.Api.ChallengeAsync(alice.Name);
        await using var bob = await TestUser.CreateAsync(server);
        await bob.Api.GetBundleAsync(alice.Name);
        var logs = server.Logs.Text;
        logs.ShouldNotContain(alice.Token);
        logs.ShouldNotContain(bob.Token);
        logs.ShouldNotContain(challenge.Nonce);
        logs.ShouldNotContain(AccountKeys.B64u(alice.Keys.Identity.PublicKey.Serialize()));
    }
}

public sealed class MemoryAccounts(MemoryMessaging p) : AccountsContract(p), IClassFixture<MemoryMessaging>;

public sealed class SqliteAccounts(SqliteMessaging p) : AccountsContract(p), IClassFixture<SqliteMessaging>;

public sealed class PostgresAccounts(PostgresMessaging p) : AccountsContract(p), IClassFixture<PostgresMessaging>;
