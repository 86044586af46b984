using System.Security.Cryptography;
using System.Text.Json;
using Parley.Client.Requests;
using Parley.Client.Secrets;
using Parley.Testing;

namespace Parley.Client.Tests;

/// <summary>
/// docs/request-format-vectors.json (made by scripts/request-vectors.mjs on Node's OpenSSL key
/// objects) against the C# request format on Parley.Crypto's X25519 (libsodium).
/// </summary>
public sealed class RequestFormatVectorTests
{
    private static readonly Lazy<JsonElement> Root = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(RepoPaths.Combine("docs", "request-format-vectors.json"))).RootElement.Clone());

    public static TheoryData<string> CaseNames() => [.. Root.Value.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("name").GetString()!)];

    private static byte[] B(JsonElement e, string member) => Convert.FromBase64String(ToBase64(e.GetProperty(member).GetString()!));

    private static string ToBase64(string b64u)
    {
        var s = b64u.Replace('-', '+').Replace('_', '/');
        return s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Both_sides_derive_the_published_keys(string name)
    {
        var c = Root.Value.GetProperty("cases").EnumerateArray().Single(x => x.GetProperty("name").GetString() == name);
        var inputs = c.GetProperty("inputs");
        var d = c.GetProperty("derived");
        var a = B(inputs, "a");
        var e = B(inputs, "e");

        RequestFormat.PublicKeyOf(a).ShouldBe(B(d, "A"));
        var token = RequestFormat.RequestToken(a);
        token.ShouldBe(B(d, "RT"));
        SHA256.HashData(token).ShouldBe(B(d, "tokenVerifier"));
        var sendToken = RequestFormat.SendToken(B(d, "A"));
        sendToken.ShouldBe(B(d, "ST"));
        SHA256.HashData(sendToken).ShouldBe(B(d, "sendVerifier"));

        var (ephemeralPublic, responderKey) = RequestFormat.Respond(B(d, "A"), e);
        ephemeralPublic.ShouldBe(B(d, "E"));
        responderKey.ShouldBe(B(d, "K"));
        RequestFormat.RequesterLinkKey(a, ephemeralPublic).ShouldBe(B(d, "K"));

        using var keys = SecretKeys.Derive(responderKey);
        keys.AccessKey.ToArray().ShouldBe(B(d, "AK"));
        keys.AccessVerifier().ShouldBe(B(d, "accessVerifier"));
        keys.ManifestKey.ToArray().ShouldBe(B(d, "MK"));
        keys.FileKey.ToArray().ShouldBe(B(d, "FK"));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Links_are_written_and_parsed_as_published(string name)
    {
        var c = Root.Value.GetProperty("cases").EnumerateArray().Single(x => x.GetProperty("name").GetString() == name);
        var inputs = c.GetProperty("inputs");
        var links = c.GetProperty("links");
        var server = inputs.GetProperty("server").GetString()!;
        var id = inputs.GetProperty("id").GetString()!;
        var sendText = links.GetProperty("send").GetString()!;
        var privateText = links.GetProperty("private").GetString()!;

        new SendLink(server, id, B(c.GetProperty("derived"), "A")).Format().ShouldBe(sendText);
        using (var written = new PrivateLink(server, id, B(inputs, "a")))
        {
            written.Format().ShouldBe(privateText);
            written.ToString().ShouldNotContain(inputs.GetProperty("a").GetString()!);
        }

        var send = RequestLinks.ParseSend(sendText);
        (send.Server, send.Id).ShouldBe((server, id));
        send.PublicKey.ToArray().ShouldBe(B(c.GetProperty("derived"), "A"));
        using var opened = RequestLinks.ParsePrivate(privateText);
        (opened.Server, opened.Id).ShouldBe((server, id));
        opened.PrivateKey.ToArray().ShouldBe(B(inputs, "a"));
        RequestLinks.KindOf(sendText).ShouldBe(RequestLinkKind.Send);
        RequestLinks.KindOf(privateText).ShouldBe(RequestLinkKind.Private);

        Should.Throw<DamagedLinkException>(() => RequestLinks.ParseSend(privateText)).Message.ShouldContain("private link");
        Should.Throw<DamagedLinkException>(() => RequestLinks.ParsePrivate(sendText)).Message.ShouldContain("request link");
    }

    [Fact]
    public void Damaged_links_are_refused_without_repeating_them()
    {
        var damaged = Root.Value.GetProperty("damagedLinks").EnumerateArray().Select(x => x.GetString()!).ToList();
        damaged.Count.ShouldBeGreaterThan(5);
        foreach (var link in damaged)
        {
            RequestLinks.KindOf(link).ShouldBeNull(link);
            var e = Should.Throw<DamagedLinkException>(() => RequestLinks.ParseSend(link), link);
            e.Message.ShouldNotContain("AAAAAAAAAA");
            Should.Throw<DamagedLinkException>(() => RequestLinks.ParsePrivate(link), link);
            RequestLinks.LooksLikeRequestLink(link).ShouldBeTrue(link);
        }

        RequestLinks.LooksLikeRequestLink("https://parley.example.org/s/AAAAAAAAAAAAAAAAAAAAAA#x").ShouldBeFalse();
    }

    [Fact]
    public void A_low_order_public_key_is_refused_on_both_sides()
    {
        var lowOrder = Root.Value.GetProperty("lowOrderPublicKeys").EnumerateArray().Select(x => Convert.FromBase64String(ToBase64(x.GetString()!))).ToList();
        lowOrder.Count.ShouldBeGreaterThan(0);
        foreach (var key in lowOrder)
        {
            Should.Throw<SecretFormatException>(() => RequestFormat.Respond(key));
            Should.Throw<SecretFormatException>(() => RequestFormat.RequesterLinkKey(RandomNumberGenerator.GetBytes(32), key));
        }
    }

    [Fact]
    public void A_fresh_exchange_gives_both_sides_the_same_key()
    {
        var a = RandomNumberGenerator.GetBytes(32);
        var (ephemeralPublic, responderKey) = RequestFormat.Respond(RequestFormat.PublicKeyOf(a));
        RequestFormat.RequesterLinkKey(a, ephemeralPublic).ShouldBe(responderKey);
        RequestFormat.RequesterLinkKey(RandomNumberGenerator.GetBytes(32), ephemeralPublic).ShouldNotBe(responderKey);
    }
}
