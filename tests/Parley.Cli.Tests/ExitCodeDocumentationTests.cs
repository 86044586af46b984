using System.Globalization;
using System.Text.RegularExpressions;
using Parley.Testing;

namespace Parley.Cli.Tests;

/// <summary>The exit-code tables people read (README.md, docs/cli.md, docs/messenger.md) match the one <c>parley --help</c> prints.</summary>
public sealed partial class ExitCodeDocumentationTests
{
    [GeneratedRegex(@"^\| (\d+) \|", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    [GeneratedRegex(@"^  (\d+)\s+\S", RegexOptions.Multiline)]
    private static partial Regex HelpRow();

    private static int[] Codes(string file) =>
        [.. TableRow().Matches(File.ReadAllText(RepoPaths.Combine(file.Split('/')))).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Order()];

    private static async Task<int[]> HelpCodesAsync()
    {
        var help = await CliProcess.RunAsync("--help");
        help.ExitCode.ShouldBe(0);
        var table = help.Stdout[help.Stdout.IndexOf("Exit codes:", StringComparison.Ordinal)..];
        return [.. HelpRow().Matches(table).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Order()];
    }

    [Theory]
    [InlineData("README.md")]
    [InlineData("docs/cli.md")]
    public async Task Every_exit_code_is_documented_and_no_other(string file)
    {
        var help = await HelpCodesAsync();
        help.ShouldContain(20);
        Codes(file).ShouldBe(help);
    }

    [Fact]
    public async Task The_messenger_guide_documents_the_messaging_exit_codes()
    {
        var help = await HelpCodesAsync();
        var documented = Codes("docs/messenger.md");
        documented.ShouldBeSubsetOf(help);
        new[] { 0, 1, 2, 3, 10, 12, 14, 15, 16, 17, 18, 19, 20, 130 }.ShouldBeSubsetOf(documented);
    }
}
