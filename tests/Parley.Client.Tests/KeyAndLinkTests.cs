using System.Security.Cryptography;
using Parley.Client.Secrets;

namespace Parley.Client.Tests;

public sealed class KeyAndLinkTests
{
    private static readonly PassphraseKdf Kdf = new(new byte[16], 1000);

    [Fact]
    public void Keys_are_unusable_after_dispose_and_print_nothing()
    {
        var k = RandomNumberGenerator.GetBytes(32);
        var keys = SecretKeys.Derive(k, "pass", Kdf);
        var hex = Convert.ToHexString(keys.AccessKey);
        keys.ToString().ShouldNotContain(hex);
        keys.Dispose();
        Should.Throw<ObjectDisposedException>(() => keys.AccessKey.Length);
        Should.Throw<ObjectDisposedException>(() => keys.FileKey.Length);
        Should.Throw<ObjectDisposedException>(() => keys.PassphraseProof.Length);
    }

    [Fact]
    public void The_access_key_ignores_the_passphrase_but_every_other_key_depends_on_it()
    {
        var k = RandomNumberGenerator.GetBytes(32);
        using var plain = SecretKeys.Derive(k);
        using var a = SecretKeys.Derive(k, "one", Kdf);
        using var b = SecretKeys.Derive(k, "two", Kdf);
        a.AccessKey.ToArray().ShouldBe(plain.AccessKey.ToArray());
        a.ManifestKey.ToArray().ShouldNotBe(b.ManifestKey.ToArray());
        a.FileKey.ToArray().ShouldNotBe(plain.FileKey.ToArray());
        a.PassphraseProof.ToArray().ShouldNotBe(b.PassphraseProof.ToArray());
        Should.Throw<InvalidOperationException>(() => plain.PassphraseProof.Length);
    }

    [Fact]
    public void Equivalent_unicode_passphrases_give_the_same_keys()
    {
        var k = RandomNumberGenerator.GetBytes(32);
        using var composed = SecretKeys.Derive(k, "caf\u00e9", Kdf);
        using var decomposed = SecretKeys.Derive(k, "cafe\u0301", Kdf);
        composed.PassphraseProof.ToArray().ShouldBe(decomposed.PassphraseProof.ToArray());
    }

    [Fact]
    public void Invalid_passphrases_are_refused()
    {
        // Built in code: theory data would be serialized and lose the unpaired surrogates.
        foreach (var passphrase in new[] { "", "\ud800", "ok\udc00", "\udc00\ud800" })
        {
            Should.Throw<ArgumentException>(() => SecretKeys.Derive(new byte[32], passphrase, Kdf));
            SecretKeys.ValidatePassphrase(passphrase, out var error).ShouldBeFalse();
            error.ShouldNotBeNull();
        }
    }

    [Fact]
    public void A_passphrase_is_limited_to_1024_characters_counted_as_code_points()
    {
        SecretKeys.ValidatePassphrase(string.Concat(Enumerable.Repeat("🔑", 1024)), out _).ShouldBeTrue();
        SecretKeys.ValidatePassphrase(new string('a', 1025), out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10_000_001)]
    public void Kdf_parameters_out_of_bounds_are_refused(int iterations) =>
        Should.Throw<ArgumentOutOfRangeException>(() => new PassphraseKdf(new byte[16], iterations));

    [Fact]
    public void Kdf_salt_must_be_16_bytes() =>
        Should.Throw<ArgumentException>(() => new PassphraseKdf(new byte[15], 1000));

    [Fact]
    public void Wrong_key_lengths_are_refused()
    {
        Should.Throw<ArgumentException>(() => SecretKeys.Derive(new byte[31]));
        Should.Throw<ArgumentException>(() => new SecretStreamEncryptor(Stream.Null, 0, new byte[16]));
        Should.Throw<ArgumentException>(() => new SecretStreamDecryptor(Stream.Null, new byte[33]));
        Should.Throw<ArgumentException>(() => ManifestCodec.Seal(new("x", []), new byte[16]));
    }

    [Fact]
    public void Links_print_no_key_or_token()
    {
        var k = RandomNumberGenerator.GetBytes(32);
        using var share = new ShareLink("http://localhost:5080/", "AAAAAAAAAAAAAAAAAAAAAA", k);
        share.Server.ShouldBe("http://localhost:5080");
        share.ToString().ShouldNotContain(Base64UrlStrict.Encode(k));
        share.Format().ShouldEndWith("#" + Base64UrlStrict.Encode(k));
        var token = Base64UrlStrict.Encode(RandomNumberGenerator.GetBytes(32));
        new ManageLink("https://x.example", "AAAAAAAAAAAAAAAAAAAAAA", token).ToString().ShouldNotContain(token);
    }

    [Theory]
    [InlineData("ftp://x")]
    [InlineData("http://")]
    [InlineData("http://u:p@x")]
    [InlineData("http://x?q=1")]
    [InlineData("http://x#f")]
    [InlineData("x.example")]
    public void Bad_server_addresses_are_refused(string server) =>
        Should.Throw<ArgumentException>(() => SecretLinks.NormalizeServer(server));

    [Fact]
    public void Share_and_manage_links_are_not_confused()
    {
        var token = Base64UrlStrict.Encode(new byte[32]);
        var manage = new ManageLink("http://x", "AAAAAAAAAAAAAAAAAAAAAA", token).Format();
        Should.Throw<DamagedLinkException>(() => SecretLinks.ParseShare(manage)).Message.ShouldContain("manage link");
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("AA", true)]
    [InlineData("AB", false)]
    [InlineData("A", false)]
    [InlineData("AA==", false)]
    [InlineData("A A", false)]
    [InlineData("A+", false)]
    [InlineData("A/", false)]
    [InlineData("-_8", true)]
    public void Base64url_decoding_is_strict(string text, bool valid) =>
        Base64UrlStrict.TryDecode(text, out _).ShouldBe(valid);
}
