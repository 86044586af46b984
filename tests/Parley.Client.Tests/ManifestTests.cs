using System.Security.Cryptography;
using System.Text;
using Parley.Client.Secrets;

namespace Parley.Client.Tests;

public sealed class ManifestTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    private static byte[] SealRaw(byte[] padded, byte version = 1, byte[]? key = null)
    {
        var nonce = RandomNumberGenerator.GetBytes(12);
        var body = new byte[padded.Length];
        var tag = new byte[16];
        using var gcm = new AesGcm(key ?? Key, 16);
        gcm.Encrypt(nonce, padded, body, tag, "parley/secret/v1/manifest"u8);
        return [version, .. nonce, .. body, .. tag];
    }

    private static byte[] Padded(string json) => ManifestCodec.Pad(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Text_and_files_round_trip()
    {
        var manifest = new SecretManifest("pässwörd\u2028 \"x\"", [new ManifestFile("a.bin", 10, ManifestFile.OctetStream), new ManifestFile("b", 0, "text/plain")]);
        var opened = ManifestCodec.Open(ManifestCodec.Seal(manifest, Key), Key);
        opened.Text.ShouldBe(manifest.Text);
        opened.Files.ShouldBe(manifest.Files);
        opened.TotalFileBytes.ShouldBe(10);
    }

    [Fact]
    public void Two_seals_of_one_manifest_differ_and_the_length_is_padded()
    {
        var manifest = new SecretManifest("short", []);
        var a = ManifestCodec.Seal(manifest, Key);
        var b = ManifestCodec.Seal(manifest, Key);
        a.ShouldNotBe(b);
        a.Length.ShouldBe(SecretFormat.MinSealedManifestLength);
        ManifestCodec.Seal(new SecretManifest(new string('y', 200), []), Key).Length.ShouldBe(a.Length);
    }

    [Fact]
    public void The_wrong_key_is_refused() =>
        Should.Throw<SecretFormatException>(() => ManifestCodec.Open(ManifestCodec.Seal(new("t", []), Key), RandomNumberGenerator.GetBytes(32)))
            .Error.ShouldBe(SecretFormatError.Unauthentic);

    [Fact]
    public void Any_modified_byte_is_refused()
    {
        var sealedManifest = ManifestCodec.Seal(new("text", []), Key);
        for (var i = 1; i < sealedManifest.Length; i += 7)
        {
            var copy = (byte[])sealedManifest.Clone();
            copy[i] ^= 0x80;
            Should.Throw<SecretFormatException>(() => ManifestCodec.Open(copy, Key)).Error.ShouldBe(SecretFormatError.Unauthentic);
        }
    }

    [Fact]
    public void Another_version_or_a_short_manifest_is_refused()
    {
        var sealedManifest = ManifestCodec.Seal(new("text", []), Key);
        var other = (byte[])sealedManifest.Clone();
        other[0] = 2;
        Should.Throw<SecretFormatException>(() => ManifestCodec.Open(other, Key)).Error.ShouldBe(SecretFormatError.UnsupportedVersion);
        Should.Throw<SecretFormatException>(() => ManifestCodec.Open(sealedManifest[..^1], Key)).Error.ShouldBe(SecretFormatError.Truncated);
        var twoBlocks = ManifestCodec.Seal(new(new string('z', 300), []), Key);
        Should.Throw<SecretFormatException>(() => ManifestCodec.Open(twoBlocks[..^1], Key)).Error.ShouldBe(SecretFormatError.Unauthentic);
        Should.Throw<SecretFormatException>(() => ManifestCodec.Open(sealedManifest[..100], Key)).Error.ShouldBe(SecretFormatError.Truncated);
        Should.Throw<SecretFormatException>(() => ManifestCodec.Open([], Key)).Error.ShouldBe(SecretFormatError.Truncated);
    }

    [Fact]
    public void Authentic_plaintext_with_bad_padding_is_refused()
    {
        var json = Encoding.UTF8.GetBytes("""{"v":1,"text":"x","files":[]}""");
        var unpadded = SealRaw([.. json, .. new byte[300 - json.Length]]);
        Should.Throw<SecretFormatException>(() => ManifestCodec.Open(unpadded, Key)).Error.ShouldBe(SecretFormatError.Malformed);
    }

    public static TheoryData<string> MalformedJson() =>
    [
        "",
        "[]",
        "null",
        """{"v":1,"text":"x"}""",
        """{"v":1,"files":[]}""",
        """{"text":"x","files":[]}""",
        """{"v":2,"text":"x","files":[]}""",
        """{"v":"1","text":"x","files":[]}""",
        """{"v":1,"text":"","files":[]}""",
        """{"v":1,"text":null,"files":[]}""",
        """{"v":1,"text":5,"files":[]}""",
        """{"v":1,"text":"x","text":"y","files":[]}""",
        """{"v":1,"v":1,"text":"x","files":[]}""",
        """{"v":1,"text":"x","files":{}}""",
        """{"v":1,"text":"x","files":[1]}""",
        """{"v":1,"text":null,"files":[{"name":"a","size":1}]}""",
        """{"v":1,"text":null,"files":[{"name":"a","type":"t"}]}""",
        """{"v":1,"text":null,"files":[{"size":1,"type":"t"}]}""",
        """{"v":1,"text":null,"files":[{"name":"a","size":-1,"type":"t"}]}""",
        """{"v":1,"text":null,"files":[{"name":"a","size":1.5,"type":"t"}]}""",
        """{"v":1,"text":null,"files":[{"name":"a","size":1e3,"type":"t"}]}""",
        """{"v":1,"text":null,"files":[{"name":"a","size":9007199254740992,"type":"t"}]}""",
        """{"v":1,"text":null,"files":[{"name":"","size":1,"type":"t"}]}""",
        """{"v":1,"text":null,"files":[{"name":"a","size":1,"type":""}]}""",
        """{"v":1,"text":null,"files":[{"name":"a","size":1,"type":"t\u0001"}]}""",
        """{"v":1,"text":null,"files":[{"name":"a","name":"b","size":1,"type":"t"}]}""",
        """{"v":1,"text":"\ud800","files":[]}""",
        """{"v":1,"text":"x","files":[]} x""",
        """{"v":1,"text":"x","files":[]}{}""",
        """{"v":1,"text":"x","files":[],}""",
        """{"v":1,"text":"x","files":[]/* c */}""",
    ];

    [Theory]
    [MemberData(nameof(MalformedJson))]
    public void Authentic_but_malformed_json_is_refused(string json)
    {
        Should.Throw<SecretFormatException>(() => ManifestCodec.FromJson(Encoding.UTF8.GetBytes(json))).Error.ShouldBe(SecretFormatError.Malformed);
        if (json.Length > 0)
        {
            Should.Throw<SecretFormatException>(() => ManifestCodec.Open(SealRaw(Padded(json)), Key)).Error.ShouldBe(SecretFormatError.Malformed);
        }
    }

    [Fact]
    public void A_name_longer_than_255_bytes_is_refused_by_readers()
    {
        var json = $$"""{"v":1,"text":null,"files":[{"name":"{{new string('é', 128)}}","size":1,"type":"t"}]}""";
        Should.Throw<SecretFormatException>(() => ManifestCodec.FromJson(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Readers_accept_whitespace_escapes_and_unknown_members()
    {
        var json = """ { "files" : [ { "type":"text/plain", "extra": [1,{"a":2}], "size": 3, "name":"\u0061.txt" } ], "future": true, "text" : "\u00e9\n", "v" : 1 } """;
        var manifest = ManifestCodec.FromJson(Encoding.UTF8.GetBytes(json));
        manifest.Text.ShouldBe("é\n");
        manifest.Files.ShouldBe([new ManifestFile("a.txt", 3, "text/plain")]);
    }

    [Fact]
    public void Writers_refuse_what_the_format_forbids()
    {
        Should.Throw<ArgumentException>(() => ManifestCodec.ToJson(new SecretManifest(null, [])));
        Should.Throw<ArgumentException>(() => ManifestCodec.ToJson(new SecretManifest("", [])));
        Should.Throw<ArgumentException>(() => ManifestCodec.ToJson(new SecretManifest("bad \ud800 surrogate", [])));
        Should.Throw<ArgumentException>(() => ManifestCodec.ToJson(new SecretManifest(null, [new ManifestFile("", 1, "t")])));
        Should.Throw<ArgumentException>(() => ManifestCodec.ToJson(new SecretManifest(null, [new ManifestFile(new string('a', 256), 1, "t")])));
        Should.Throw<ArgumentException>(() => ManifestCodec.ToJson(new SecretManifest(null, [new ManifestFile("a", -1, "t")])));
        Should.Throw<ArgumentException>(() => ManifestCodec.ToJson(new SecretManifest(null, [new ManifestFile("a", 1, "tÿpe")])));
    }

    [Fact]
    public void A_manifest_prints_no_text()
    {
        var manifest = new SecretManifest("hunter2", [new ManifestFile("a", 1, "t")]);
        manifest.ToString().ShouldNotContain("hunter2");
    }
}
