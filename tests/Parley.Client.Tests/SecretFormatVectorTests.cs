using System.Security.Cryptography;
using System.Text;
using Parley.Client.Secrets;

namespace Parley.Client.Tests;

/// <summary>The C# implementation against docs/secret-format-vectors.json (an independent JavaScript implementation), both ways.</summary>
public sealed class SecretFormatVectorTests
{
    [Theory]
    [MemberData(nameof(Vectors.CaseNames), MemberType = typeof(Vectors))]
    public void Keys_derive_to_the_published_bytes(string name)
    {
        var c = Vectors.Case(name);
        var inputs = c.GetProperty("inputs");
        var derived = c.GetProperty("derived");
        var passphrase = inputs.StringOrNull("passphrase");
        var kdf = Vectors.Kdf(inputs);

        using var keys = SecretKeys.Derive(inputs.Bytes("K"), passphrase, kdf);
        keys.AccessKey.ToArray().ShouldBe(derived.Bytes("AK"));
        keys.AccessVerifier().ShouldBe(derived.Bytes("accessVerifier"));
        keys.ManifestKey.ToArray().ShouldBe(derived.Bytes("MK"));
        keys.FileKey.ToArray().ShouldBe(derived.Bytes("FK"));
        if (passphrase is null)
        {
            keys.HasPassphrase.ShouldBeFalse();
            derived.BytesOrNull("PP").ShouldBeNull();
        }
        else
        {
            SecretKeys.PassphraseBytes(passphrase).ShouldBe(derived.Bytes("passphraseBytes"));
            var s = new byte[32];
            SecretKeys.Stretch(passphrase, kdf!, s);
            s.ShouldBe(derived.Bytes("S"));
            keys.PassphraseProof.ToArray().ShouldBe(derived.Bytes("PP"));
            keys.PassphraseVerifier().ShouldBe(derived.Bytes("passphraseVerifier"));
        }
    }

    [Theory]
    [MemberData(nameof(Vectors.CaseNames), MemberType = typeof(Vectors))]
    public void Manifest_seals_to_the_published_bytes(string name)
    {
        var c = Vectors.Case(name);
        var inputs = c.GetProperty("inputs");
        var expected = c.GetProperty("manifest");
        var manifest = Vectors.Manifest(inputs);

        var json = ManifestCodec.ToJson(manifest);
        json.ShouldBe(expected.Bytes("jsonBytes"));
        Encoding.UTF8.GetString(json).ShouldBe(expected.GetProperty("json").GetString());
        ManifestCodec.Pad(json).ShouldBe(expected.Bytes("padded"));

        using var keys = SecretKeys.Derive(inputs.Bytes("K"), inputs.StringOrNull("passphrase"), Vectors.Kdf(inputs));
        var sealedManifest = ManifestCodec.Seal(manifest, keys.ManifestKey, inputs.Bytes("manifestNonce"));
        sealedManifest.ShouldBe(expected.Bytes("sealed"));
        sealedManifest.Length.ShouldBe(expected.GetProperty("sealedLength").GetInt32());
        SecretFormat.SealedManifestLength(json.Length).ShouldBe(sealedManifest.Length);
    }

    [Theory]
    [MemberData(nameof(Vectors.CaseNames), MemberType = typeof(Vectors))]
    public void Published_manifest_opens_to_the_inputs(string name)
    {
        var c = Vectors.Case(name);
        var inputs = c.GetProperty("inputs");
        var derived = c.GetProperty("derived");

        var manifest = ManifestCodec.Open(c.GetProperty("manifest").Bytes("sealed"), derived.Bytes("MK"));

        var expected = Vectors.Manifest(inputs);
        manifest.Text.ShouldBe(expected.Text);
        manifest.Files.ShouldBe(expected.Files);
        ManifestCodec.FromJson(c.GetProperty("manifest").Bytes("jsonBytes")).Files.ShouldBe(expected.Files);
    }

    [Theory]
    [MemberData(nameof(Vectors.CaseNamesWithFiles), MemberType = typeof(Vectors))]
    public void File_stream_seals_to_the_published_bytes(string name)
    {
        var c = Vectors.Case(name);
        var inputs = c.GetProperty("inputs");
        var stream = c.GetProperty("stream");
        var plaintext = Vectors.StreamPlaintext(inputs);
        plaintext.Length.ShouldBe(stream.GetProperty("plaintextLength").GetInt32());
        Convert.ToHexStringLower(SHA256.HashData(plaintext)).ShouldBe(stream.GetProperty("plaintextSha256").GetString());

        var prefix = inputs.Bytes("streamPrefix");
        var fk = c.GetProperty("derived").Bytes("FK");
        using var encryptor = new SecretStreamEncryptor(new MemoryStream(plaintext), plaintext.Length, fk, prefix, leaveOpen: false);
        var output = new MemoryStream();
        encryptor.CopyTo(output, 1000); // odd buffer size: chunk boundaries do not line up with reads
        var sealedStream = output.ToArray();

        encryptor.Length.ShouldBe(stream.GetProperty("length").GetInt64());
        sealedStream.Length.ShouldBe(stream.GetProperty("length").GetInt32());
        sealedStream.ShouldBe(stream.Bytes("bytes"));
        sealedStream[..8].ShouldBe(stream.Bytes("header"));
        Convert.ToHexStringLower(SHA256.HashData(sealedStream)).ShouldBe(stream.GetProperty("sha256").GetString());
        SecretFormat.StreamLength(plaintext.Length).ShouldBe(sealedStream.Length);

        var offset = SecretFormat.StreamHeaderSize;
        var chunks = stream.GetProperty("chunks").EnumerateArray().ToList();
        chunks.Count.ShouldBe((int)SecretFormat.ChunkCount(plaintext.Length));
        foreach (var chunk in chunks)
        {
            var index = chunk.GetProperty("index").GetInt32();
            var last = chunk.GetProperty("last").GetBoolean();
            last.ShouldBe(index == chunks.Count - 1);
            var nonce = new byte[12];
            SecretStreamEncryptor.Nonce(prefix, index, last, nonce);
            nonce.ShouldBe(chunk.Bytes("nonce"));
            var length = chunk.GetProperty("ciphertextLength").GetInt32();
            var sealedChunk = sealedStream.AsSpan(offset, length).ToArray();
            Convert.ToHexStringLower(SHA256.HashData(sealedChunk)).ShouldBe(chunk.GetProperty("ciphertextSha256").GetString());
            sealedChunk[^16..].ShouldBe(chunk.Bytes("tag"));
            offset += length;
        }

        offset.ShouldBe(sealedStream.Length);
    }

    [Theory]
    [MemberData(nameof(Vectors.CaseNamesWithFiles), MemberType = typeof(Vectors))]
    public void Published_file_stream_opens_to_the_input_files(string name)
    {
        var c = Vectors.Case(name);
        var inputs = c.GetProperty("inputs");
        var plaintext = Vectors.StreamPlaintext(inputs);

        using var decryptor = new SecretStreamDecryptor(
            new MemoryStream(c.GetProperty("stream").Bytes("bytes")), c.GetProperty("derived").Bytes("FK"), plaintext.Length);
        var output = new MemoryStream();
        decryptor.CopyTo(output, 777);

        output.ToArray().ShouldBe(plaintext);
        decryptor.IsComplete.ShouldBeTrue();
    }

    [Theory]
    [MemberData(nameof(Vectors.CaseNames), MemberType = typeof(Vectors))]
    public void Links_format_and_parse_as_published(string name)
    {
        var c = Vectors.Case(name);
        var inputs = c.GetProperty("inputs");
        var links = c.GetProperty("links");
        var server = inputs.GetProperty("server").GetString()!;
        var id = inputs.GetProperty("id").GetString()!;
        var token = inputs.GetProperty("manageToken").GetString()!;

        using var share = new ShareLink(server, id, inputs.Bytes("K"));
        share.Format().ShouldBe(links.GetProperty("share").GetString());
        new ManageLink(server, id, token).Format().ShouldBe(links.GetProperty("manage").GetString());

        using var parsed = SecretLinks.ParseShare(links.GetProperty("share").GetString()!);
        parsed.Server.ShouldBe(server);
        parsed.Id.ShouldBe(id);
        parsed.Key.ToArray().ShouldBe(inputs.Bytes("K"));
        var manage = SecretLinks.ParseManage(links.GetProperty("manage").GetString()!);
        (manage.Server, manage.Id, manage.ManageToken).ShouldBe((server, id, token));
    }

    [Fact]
    public void Valid_link_cases_parse_to_their_parts()
    {
        var cases = Vectors.Root.GetProperty("links").GetProperty("valid").EnumerateArray().ToList();
        cases.ShouldNotBeEmpty();
        foreach (var v in cases)
        {
            var input = v.GetProperty("input").GetString()!;
            var kind = v.GetProperty("kind").GetString();
            SecretLinks.KindOf(input).ShouldBe(kind == "share" ? SecretLinkKind.Share : SecretLinkKind.Manage, input);
            if (kind == "share")
            {
                using var link = SecretLinks.ParseShare(input);
                (link.Server, link.Id, Base64UrlStrict.Encode(link.Key))
                    .ShouldBe((v.GetProperty("server").GetString(), v.GetProperty("id").GetString(), v.GetProperty("secret").GetString()));
                Should.Throw<DamagedLinkException>(() => SecretLinks.ParseManage(input));
            }
            else
            {
                var link = SecretLinks.ParseManage(input);
                (link.Server, link.Id, link.ManageToken)
                    .ShouldBe((v.GetProperty("server").GetString(), v.GetProperty("id").GetString(), v.GetProperty("secret").GetString()));
                Should.Throw<DamagedLinkException>(() => SecretLinks.ParseShare(input));
            }
        }
    }

    [Fact]
    public void Damaged_link_cases_are_refused_without_echoing_the_link()
    {
        var cases = Vectors.Root.GetProperty("links").GetProperty("damaged").EnumerateArray().ToList();
        cases.Count.ShouldBeGreaterThan(15);
        foreach (var v in cases)
        {
            var input = v.GetProperty("input").GetString()!;
            SecretLinks.KindOf(input).ShouldBeNull(input);
            var e = Should.Throw<DamagedLinkException>(() => SecretLinks.ParseShare(input), input);
            if (input.Contains('#', StringComparison.Ordinal) && input.Split('#')[1].Length > 3)
            {
                e.Message.ShouldNotContain(input.Split('#')[1]);
            }
        }
    }

    [Fact]
    public void File_names_sanitize_as_published()
    {
        foreach (var v in Vectors.Root.GetProperty("fileNames").EnumerateArray())
        {
            var input = v.GetProperty("input").GetString()!;
            FileNames.Sanitize(input).ShouldBe(v.GetProperty("output").GetString(), input);
        }
    }

    [Fact]
    public void File_name_sets_are_made_unique_as_published()
    {
        foreach (var v in Vectors.Root.GetProperty("fileNameSets").EnumerateArray())
        {
            var inputs = v.GetProperty("inputs").EnumerateArray().Select(x => x.GetString()!).ToList();
            var outputs = v.GetProperty("outputs").EnumerateArray().Select(x => x.GetString()!).ToList();
            FileNames.SanitizeAll(inputs).ShouldBe(outputs);
        }
    }
}
