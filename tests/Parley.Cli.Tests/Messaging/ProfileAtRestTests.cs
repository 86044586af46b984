using System.Security.Cryptography;
using System.Text;
using Parley.Client.Profiles;

namespace Parley.Cli.Tests.Messaging;

/// <summary>What a copy of a profile folder gives away: no message, no name, no key; and a wrong passphrase changes nothing.</summary>
public sealed class ProfileAtRestTests(MessagingServerFixture fixture) : IClassFixture<MessagingServerFixture>, IDisposable
{
    private readonly CliUser _alice = new("alice", fixture.Url);
    private readonly CliUser _bob = new("bob", fixture.Url);
    private readonly CliUser _carol = new("carol", fixture.Url);

    public void Dispose()
    {
        _alice.Dispose();
        _bob.Dispose();
        _carol.Dispose();
    }

    [Fact]
    public async Task No_profile_file_holds_a_message_a_username_a_group_name_or_a_private_key()
    {
        await Task.WhenAll(_alice.RegisterAsync(), _bob.RegisterAsync(), _carol.RegisterAsync());
        const string marker = "PLAINTEXT-MARKER-7f3a9c";
        const string groupName = "GROUPNAME-MARKER-1b2c";
        await _alice.OkAsync("contacts", "add", _carol.Name);
        await _alice.OkAsync("send", _bob.Name, marker + " one");
        await _bob.OkAsync("inbox");
        await _bob.OkAsync("send", _alice.Name, marker + " two");
        await _alice.OkAsync("inbox");
        var group = (await _alice.OkAsync("group", "create", groupName, _bob.Name)).StdoutLines.Single().Trim();
        await _bob.OkAsync("inbox");
        await _bob.OkAsync("group", "accept", group);
        await _alice.OkAsync("inbox");
        await _alice.OkAsync("send", group, marker + " three");
        await _bob.OkAsync("inbox");

        foreach (var (user, other) in new[] { (_alice, _bob), (_bob, _alice) })
        {
            var needles = new List<(string What, byte[] Bytes)>
            {
                ("message text", Encoding.UTF8.GetBytes(marker)),
                ("message text (UTF-16)", Encoding.Unicode.GetBytes(marker)),
                ("group name", Encoding.UTF8.GetBytes(groupName)),
                ("contact's username", Encoding.UTF8.GetBytes(other.Name)),
                ("own username", Encoding.UTF8.GetBytes(user.Name)),
                ("carol's username", Encoding.UTF8.GetBytes(_carol.Name)),
            };
            await using (var m = user.OpenInProcess())
            {
                using var profile = m.Profile;
                var identity = profile.Get(ItemKind.Identity, "self", ProfileCodecs.Identity)!;
                var raw = new byte[32];
                identity.Export(raw);
                needles.Add(("identity private key", raw));
                needles.Add(("identity private key (base64url)", Encoding.ASCII.GetBytes(System.Buffers.Text.Base64Url.EncodeToString(raw))));
                var token = profile.Get(ItemKind.Token, TokenRecord.Name, ProfileCodecs.Token)!;
                needles.Add(("bearer token", Encoding.ASCII.GetBytes(token.Token)));
                foreach (var signed in profile.BeginWrite().List(ItemKind.SignedPreKey, ProfileCodecs.SignedPreKey))
                {
                    var key = new byte[32];
                    signed.KeyPair.Export(key);
                    needles.Add(("signed prekey", key));
                }
            }

            var files = Directory.GetFiles(user.ProfileFolder);
            files.ShouldContain(f => f.EndsWith(ProfileStore.DatabaseFile, StringComparison.Ordinal));
            foreach (var file in files)
            {
                var bytes = File.ReadAllBytes(file);
                foreach (var (what, needle) in needles)
                {
                    bytes.AsSpan().IndexOf(needle).ShouldBe(-1, $"{Path.GetFileName(file)} of {user.Name} holds the {what}");
                }
            }
        }
    }

    [Fact]
    public async Task A_wrong_passphrase_opens_nothing_and_changes_nothing()
    {
        await _alice.RegisterAsync();
        await _bob.RegisterAsync();
        await _bob.OkAsync("send", _alice.Name, "waiting for alice");
        var before = Snapshot(_alice.ProfileFolder);

        _alice.Passphrase = "not the right passphrase";
        foreach (var args in new[] { new[] { "inbox" }, ["history", _bob.Name], ["send", _bob.Name, "x"], ["contacts"], ["whoami"], ["group", "list"] })
        {
            var result = await _alice.RunAsync(args);
            result.ExitCode.ShouldBe(16, result.ToString());
            result.Stderr.ShouldContain("wrong passphrase");
            result.Stdout.ShouldBeEmpty();
        }

        Snapshot(_alice.ProfileFolder).ShouldBe(before);
        _alice.Passphrase = CliUser.DefaultPassphrase;
        CliUser.Texts(await _alice.InboxAsync()).ShouldBe(["waiting for alice"]);
    }

    [Fact]
    public async Task A_changed_passphrase_opens_the_same_profile_and_the_old_one_no_longer_does()
    {
        await _alice.RegisterAsync();
        var file = Path.Combine(_alice.Home, "new-passphrase");
        await File.WriteAllTextAsync(file, "the new passphrase, long\n");
        await _alice.OkAsync("passphrase", "change", "--new-passphrase-file", file);
        (await _alice.RunAsync("whoami")).ExitCode.ShouldBe(16);
        _alice.Passphrase = "the new passphrase, long";
        (await _alice.OkAsync("whoami")).Stdout.ShouldContain(_alice.Name);
    }

    private static Dictionary<string, string> Snapshot(string folder) =>
        Directory.GetFiles(folder).Where(f => Path.GetFileName(f) != "lock")
            .ToDictionary(f => Path.GetFileName(f)!, f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));
}
