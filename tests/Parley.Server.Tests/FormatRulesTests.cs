using Parley.Server.Features.Secrets;
using Parley.Server.Infrastructure.Text;

namespace Parley.Server.Tests;

/// <summary>The byte-level rules the server checks before storing anything.</summary>
public sealed class FormatRulesTests
{
    [Theory]
    [InlineData("", 0)]
    [InlineData("AA", 1)]
    [InlineData("AAA", 2)]
    [InlineData("AAAA", 3)]
    [InlineData("_-8", 2)]
    public void Base64url_accepts_canonical_unpadded_text(string text, int bytes) =>
        Base64Url.TryDecode(text, 64).ShouldNotBeNull().Length.ShouldBe(bytes);

    [Theory]
    [InlineData("AB")] // unused bits set
    [InlineData("AAB")]
    [InlineData("AA==")] // padding
    [InlineData("A")] // impossible length
    [InlineData("AA A")] // whitespace
    [InlineData("AA\nA")]
    [InlineData("+/AA")] // standard alphabet
    [InlineData("AA\0A")]
    public void Base64url_refuses_anything_else(string text) => Base64Url.TryDecode(text, 64).ShouldBeNull();

    [Fact]
    public void Base64url_round_trips_every_length()
    {
        for (var n = 0; n < 70; n++)
        {
            var bytes = Enumerable.Range(0, n).Select(i => (byte)(i * 37)).ToArray();
            Base64Url.TryDecode(Base64Url.Encode(bytes), 70).ShouldBe(bytes);
        }
    }

    [Fact]
    public void Secret_ids_are_22_canonical_characters()
    {
        var id = SecretId.New();
        id.ToString().Length.ShouldBe(22);
        SecretId.TryParse(id.ToString(), out var parsed).ShouldBeTrue();
        parsed.ShouldBe(id);
        SecretId.TryParse(id.ToString().AsSpan(0, 21), out _).ShouldBeFalse();
        SecretId.TryParse(id.ToString()[..21] + "B", out _).ShouldBeFalse(); // last char carries 4 unused bits
        id.ToHex().Length.ShouldBe(32);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(65_535L)]
    [InlineData(65_536L)]
    [InlineData(65_537L)]
    [InlineData(131_072L)]
    [InlineData(1_000_000_007L)]
    public void Every_plaintext_length_gives_a_valid_stream_length(long plaintext)
    {
        var chunks = Math.Max(1, (plaintext + 65_535) / 65_536);
        StreamFormat.IsValidStreamLength(8 + plaintext + (16 * chunks)).ShouldBeTrue();
    }

    [Fact]
    public void Stream_lengths_no_plaintext_can_give_are_refused()
    {
        var valid = new HashSet<long>();
        for (long n = 0; n <= 200_000; n++)
        {
            valid.Add(8 + n + (16 * Math.Max(1, (n + 65_535) / 65_536)));
        }

        var max = valid.Max();
        var wrong = new List<long>();
        for (long length = 0; length <= max; length++)
        {
            if (StreamFormat.IsValidStreamLength(length) != valid.Contains(length))
            {
                wrong.Add(length);
            }
        }

        wrong.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(285, true)]
    [InlineData(541, true)]
    [InlineData(284, false)]
    [InlineData(286, false)]
    [InlineData(29, false)]
    public void Sealed_manifests_have_the_v1_shape(int length, bool valid)
    {
        var manifest = new byte[length];
        manifest[0] = 0x01;
        StreamFormat.IsValidManifest(manifest).ShouldBe(valid);
        if (length > 0)
        {
            manifest[0] = 0x02;
            StreamFormat.IsValidManifest(manifest).ShouldBeFalse();
        }
    }

    [Theory]
    [InlineData("bytes 0-9/10", true, 0, 9, 10)]
    [InlineData("bytes 5-5/6", true, 5, 5, 6)]
    [InlineData("bytes 0-9/9", false, 0, 0, 0)]
    [InlineData("bytes 9-0/10", false, 0, 0, 0)]
    [InlineData("bytes */10", false, 0, 0, 0)]
    [InlineData("bytes -1-9/10", false, 0, 0, 0)]
    [InlineData("bytes 0-9/", false, 0, 0, 0)]
    [InlineData("items 0-9/10", false, 0, 0, 0)]
    [InlineData("bytes 0-9/10 ", false, 0, 0, 0)]
    [InlineData("bytes 0 -9/10", false, 0, 0, 0)]
    public void Content_range_parses_strictly(string header, bool ok, long first, long last, long total)
    {
        ByteRanges.TryParseContentRange(header, out var f, out var l, out var t).ShouldBe(ok);
        if (ok)
        {
            (f, l, t).ShouldBe((first, last, total));
        }
    }

    [Theory]
    [InlineData(null, "Whole", 0, 100)]
    [InlineData("bytes=0-9", "Partial", 0, 10)]
    [InlineData("bytes=90-", "Partial", 90, 10)]
    [InlineData("bytes=-30", "Partial", 70, 30)]
    [InlineData("bytes=-300", "Partial", 0, 100)]
    [InlineData("bytes=50-500", "Partial", 50, 50)]
    [InlineData("bytes=100-", "Unsatisfiable", 0, 0)]
    [InlineData("bytes=-0", "Unsatisfiable", 0, 0)]
    [InlineData("bytes=0-1,4-5", "Whole", 0, 100)]
    [InlineData("bytes=9-0", "Whole", 0, 100)]
    [InlineData("lines=0-9", "Whole", 0, 100)]
    [InlineData("bytes=x-9", "Whole", 0, 100)]
    public void Download_ranges_follow_rfc_9110(string? header, string expected, long offset, long count)
    {
        var result = ByteRanges.ParseRange(header, 100, out var o, out var c);
        result.ToString().ShouldBe(expected);
        if (result != ByteRanges.RangeResult.Unsatisfiable)
        {
            (o, c).ShouldBe((offset, count));
        }
    }

    [Theory]
    [InlineData(300, "5 minutes")]
    [InlineData(3600, "1 hour")]
    [InlineData(86400, "1 day")]
    [InlineData(604800, "7 days")]
    [InlineData(90, "90 seconds")]
    public void Expiry_choices_get_readable_labels(int seconds, string label) =>
        SecretsOptions.Label(TimeSpan.FromSeconds(seconds)).ShouldBe(label);
}
