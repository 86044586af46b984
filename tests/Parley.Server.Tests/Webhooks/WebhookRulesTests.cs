using System.Net;
using System.Security.Cryptography;
using System.Text;
using Parley.Contracts.Webhooks;
using Parley.Server.Features.Webhooks;

namespace Parley.Server.Tests.Webhooks;

/// <summary>The pure rules under webhooks: signatures (with the Standard Webhooks example), addresses and URLs.</summary>
public sealed class WebhookRulesTests
{
    // The example of the Standard Webhooks specification and its reference libraries.
    private const string SpecKey = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string SpecId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long SpecTimestamp = 1614265330;
    private static readonly byte[] SpecBody = Encoding.UTF8.GetBytes("{\"test\": 2432232314}");
    private const string SpecSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    [Fact]
    public void Signing_matches_the_standard_webhooks_example()
    {
        WebhookSignature.TryParseKey(SpecKey, out var key).ShouldBeTrue();
        WebhookSignature.Sign(key, SpecId, SpecTimestamp, SpecBody).ShouldBe(SpecSignature);
        WebhookSignature.Verify(key, SpecId, SpecTimestamp, SpecBody, SpecSignature).ShouldBeTrue();
        WebhookSignature.Verify(key, SpecId, SpecTimestamp, SpecBody, "v1,bm90IGl0 " + SpecSignature).ShouldBeTrue();
    }

    [Fact]
    public void Any_change_breaks_the_signature()
    {
        WebhookSignature.TryParseKey(SpecKey, out var key).ShouldBeTrue();
        var otherBody = (byte[])SpecBody.Clone();
        otherBody[^2] ^= 1;
        WebhookSignature.Verify(key, SpecId, SpecTimestamp, otherBody, SpecSignature).ShouldBeFalse();
        WebhookSignature.Verify(key, SpecId + "x", SpecTimestamp, SpecBody, SpecSignature).ShouldBeFalse();
        WebhookSignature.Verify(key, SpecId, SpecTimestamp + 1, SpecBody, SpecSignature).ShouldBeFalse();
        WebhookSignature.Verify(new byte[32], SpecId, SpecTimestamp, SpecBody, SpecSignature).ShouldBeFalse();
        WebhookSignature.Verify(key, SpecId, SpecTimestamp, SpecBody, SpecSignature.Replace("v1,", "v2,", StringComparison.Ordinal)).ShouldBeFalse();
        WebhookSignature.Verify(key, SpecId, SpecTimestamp, SpecBody, "v1,not base64!").ShouldBeFalse();
        WebhookSignature.Verify(key, SpecId, SpecTimestamp, SpecBody, "").ShouldBeFalse();
    }

    [Fact]
    public void The_csharp_receiver_example_of_the_docs_works()
    {
        Verify(SpecKey, SpecId, "1614265330", SpecBody, SpecSignature).ShouldBeTrue();
        Verify(SpecKey, SpecId, "1614265331", SpecBody, SpecSignature).ShouldBeFalse();

        // Copied from docs/webhooks.md, "Verifying a delivery".
        static bool Verify(string key, string id, string timestamp, byte[] body, string signatureHeader)
        {
            var secret = Convert.FromBase64String(key["whsec_".Length..]);
            var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(body).ToArray();
            var expected = HMACSHA256.HashData(secret, signed);
            var given = new byte[32];
            return signatureHeader.Split(' ').Any(s => s.StartsWith("v1,", StringComparison.Ordinal)
                && Convert.TryFromBase64String(s[3..], given, out var n) && n == 32
                && CryptographicOperations.FixedTimeEquals(given, expected));
        }
    }

    [Theory]
    [InlineData("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    [InlineData("whsec_")]
    [InlineData("whsec_not*base64")]
    [InlineData("whsec_c2hvcnQ=")]
    public void A_malformed_key_is_refused(string text) => WebhookSignature.TryParseKey(text, out _).ShouldBeFalse();

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("10.0.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.0.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.100.100.200")]
    [InlineData("224.0.0.251")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("fe80::1")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("ff02::1")]
    [InlineData("64:ff9b::7f00:1")]
    [InlineData("2002:7f00:1::")]
    public void Non_public_addresses_are_forbidden(string address) =>
        WebhookAddressRules.IsForbidden(IPAddress.Parse(address)).ShouldBeTrue();

    [Theory]
    [InlineData("1.1.1.1")]
    [InlineData("93.184.215.14")]
    [InlineData("172.32.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    public void Public_addresses_are_allowed(string address) =>
        WebhookAddressRules.IsForbidden(IPAddress.Parse(address)).ShouldBeFalse();

    [Theory]
    [InlineData("https://example.com/hooks/parley?token=abc")]
    [InlineData("http://example.com:8080/")]
    [InlineData("https://xn--80ak6aa92e.com/hook")]
    [InlineData("https://[2606:4700:4700::1111]/hook")]
    [InlineData("https://localhost/hook")]
    public void Good_urls_pass(string url)
    {
        WebhookUrl.Parse(url, allowPrivateTargets: false, out var problem).ShouldNotBeNull();
        problem.ShouldBeNull();
    }

    [Fact]
    public void Private_literals_pass_only_when_the_operator_allows_them()
    {
        WebhookUrl.Parse("http://127.0.0.1:9000/hook", allowPrivateTargets: false, out _).ShouldBeNull();
        WebhookUrl.Parse("http://127.0.0.1:9000/hook", allowPrivateTargets: true, out _).ShouldNotBeNull();
    }
}
