using System.Text.Json;
using Parley.Client.Secrets;
using Parley.Testing;

namespace Parley.Client.Tests;

/// <summary>
/// The C# implementation of docs/secret-format.md §7 (one secret, several recipients) against
/// docs/secret-format-recipients-vectors.json (scripts/secret-vectors.mjs --recipients, on Node WebCrypto), both ways.
/// </summary>
public sealed class RecipientVectorTests
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(RepoPaths.Combine("docs", "secret-format-recipients-vectors.json"))));

    public static TheoryData<string> CaseNames() =>
        [.. Document.Value.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("name").GetString()!)];

    private static JsonElement Case(string name) =>
        Document.Value.RootElement.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Every_link_derives_and_wraps_to_the_published_bytes(string name)
    {
        var c = Case(name);
        var inputs = c.GetProperty("inputs");
        var derived = c.GetProperty("derived");
        var passphrase = inputs.StringOrNull("passphrase");
        var stretched = passphrase is null ? [] : SecretKeys.StretchPassphrase(passphrase, Vectors.Kdf(inputs)!);
        stretched.ShouldBe(derived.BytesOrNull("S") ?? []);

        var links = inputs.GetProperty("recipients").EnumerateArray().ToList();
        var expected = derived.GetProperty("recipients").EnumerateArray().ToList();
        links.Count.ShouldBeGreaterThan(0);
        links.Count.ShouldBe(expected.Count);
        for (var i = 0; i < links.Count; i++)
        {
            using var keys = SecretKeys.Derive(links[i].Bytes("K"), stretched);
            keys.AccessKey.ToArray().ShouldBe(expected[i].Bytes("AK"));
            keys.AccessVerifier().ShouldBe(expected[i].Bytes("accessVerifier"));
            keys.WrapKey.ToArray().ShouldBe(expected[i].Bytes("WK"));
            if (passphrase is null)
            {
                expected[i].BytesOrNull("PP").ShouldBeNull();
            }
            else
            {
                keys.PassphraseProof.ToArray().ShouldBe(expected[i].Bytes("PP"));
                keys.PassphraseVerifier().ShouldBe(expected[i].Bytes("passphraseVerifier"));
            }

            ContentKeyWrap.Wrap(keys, inputs.Bytes("C"), links[i].Bytes("wrapNonce")).ShouldBe(expected[i].Bytes("wrappedKey"));

            // The same key material, opened the way a reader does: with the passphrase, not a stretched S.
            using var reader = SecretKeys.Derive(links[i].Bytes("K"), passphrase, Vectors.Kdf(inputs));
            var contentKey = new byte[32];
            ContentKeyWrap.Unwrap(reader, expected[i].Bytes("wrappedKey"), contentKey);
            contentKey.ShouldBe(inputs.Bytes("C"));
        }

        using var content = SecretKeys.FromContentKey(inputs.Bytes("C"));
        content.ManifestKey.ToArray().ShouldBe(derived.Bytes("MK"));
        content.FileKey.ToArray().ShouldBe(derived.Bytes("FK"));
        var manifest = Vectors.Manifest(inputs);
        ManifestCodec.Seal(manifest, content.ManifestKey, inputs.Bytes("manifestNonce")).ShouldBe(c.GetProperty("manifest").Bytes("sealed"));
        var opened = ManifestCodec.Open(c.GetProperty("manifest").Bytes("sealed"), derived.Bytes("MK"));
        opened.Text.ShouldBe(manifest.Text);
        opened.Files.ShouldBe(manifest.Files);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Links_and_stream_match_the_published_bytes(string name)
    {
        var c = Case(name);
        var inputs = c.GetProperty("inputs");
        var links = inputs.GetProperty("recipients").EnumerateArray().ToList();
        var shares = c.GetProperty("links").GetProperty("share").EnumerateArray().Select(s => s.GetString()).ToList();
        shares.Count.ShouldBe(links.Count);
        for (var i = 0; i < links.Count; i++)
        {
            using var share = new ShareLink(inputs.GetProperty("server").GetString()!, links[i].GetProperty("id").GetString()!, links[i].Bytes("K"));
            share.Format().ShouldBe(shares[i]);
        }

        if (c.GetProperty("stream").ValueKind == JsonValueKind.Null)
        {
            return;
        }

        var plaintext = Vectors.StreamPlaintext(inputs);
        using var encryptor = new SecretStreamEncryptor(new MemoryStream(plaintext), plaintext.Length, c.GetProperty("derived").Bytes("FK"),
            inputs.Bytes("streamPrefix"), leaveOpen: false);
        var output = new MemoryStream();
        encryptor.CopyTo(output);
        output.ToArray().ShouldBe(c.GetProperty("stream").Bytes("bytes"));
    }

    [Fact]
    public void A_wrapped_key_opens_only_with_its_own_link()
    {
        var c = Case("three labelled recipients, text only");
        var links = c.GetProperty("inputs").GetProperty("recipients").EnumerateArray().ToList();
        var wrapped = c.GetProperty("derived").GetProperty("recipients").EnumerateArray().Select(r => r.Bytes("wrappedKey")).ToList();
        using var alice = SecretKeys.Derive(links[0].Bytes("K"));
        var contentKey = new byte[32];

        // Bob's wrapped key under Alice's link: another wrap key and another access verifier in the additional data.
        Should.Throw<SecretFormatException>(() => ContentKeyWrap.Unwrap(alice, wrapped[1], contentKey)).Error.ShouldBe(SecretFormatError.Unauthentic);
        contentKey.ShouldAllBe(b => b == 0);

        var tampered = (byte[])wrapped[0].Clone();
        tampered[20] ^= 1;
        Should.Throw<SecretFormatException>(() => ContentKeyWrap.Unwrap(alice, tampered, contentKey)).Error.ShouldBe(SecretFormatError.Unauthentic);
        Should.Throw<SecretFormatException>(() => ContentKeyWrap.Unwrap(alice, wrapped[0][..^1], contentKey)).Error.ShouldBe(SecretFormatError.Malformed);
        var version = (byte[])wrapped[0].Clone();
        version[0] = 2;
        Should.Throw<SecretFormatException>(() => ContentKeyWrap.Unwrap(alice, version, contentKey)).Error.ShouldBe(SecretFormatError.UnsupportedVersion);

        // Nothing about one link's keys follows from another's: every derived value differs.
        using var bob = SecretKeys.Derive(links[1].Bytes("K"));
        alice.AccessKey.SequenceEqual(bob.AccessKey).ShouldBeFalse();
        alice.WrapKey.SequenceEqual(bob.WrapKey).ShouldBeFalse();
    }
}
