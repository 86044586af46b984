using System.Text.RegularExpressions;

namespace Parley.Server.Tests;

/// <summary>
/// A clone is complete on its own: no file points outside the repository or at one machine's folders,
/// every relative link in the docs leads to a file, and every repository path a doc names exists.
/// </summary>
public sealed partial class RepositoryTests
{
    private static readonly string[] SkippedFolders = ["bin", "obj", "node_modules", "artifacts", ".git", "TestResults", "wwwroot", "vectors"];

    private static readonly string[] TextExtensions = [".cs", ".md", ".sh", ".ts", ".mjs", ".js", ".json", ".csproj", ".props", ".lua", ".html", ".css", ".yml", ""];

    private static IEnumerable<string> TextFiles() =>
        Directory.EnumerateFiles(RepoPaths.Root, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(RepoPaths.Root, f).Split(Path.DirectorySeparatorChar).Any(SkippedFolders.Contains))
            .Where(f => TextExtensions.Contains(Path.GetExtension(f)) && !f.EndsWith("package-lock.json", StringComparison.Ordinal));

    private static string Relative(string path) => Path.GetRelativePath(RepoPaths.Root, path);

    [Fact]
    public void No_file_points_outside_the_repository_or_at_one_machines_folders()
    {
        // Built from parts so that this file does not match itself.
        string[] outside = ["../" + "shared", "shared" + "/reference", "shared" + "/vectors", "shared" + "/DESIGN", "shared" + "/STACK",
            "PARLEY_" + "VECTORS", "/work" + "/", "bin" + "/quiet"];
        var found = TextFiles()
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, Text: line)))
            .Where(l => outside.Any(o => l.Text.Contains(o, StringComparison.Ordinal)))
            .Select(l => $"{Relative(l.File)}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        found.ShouldBeEmpty();
    }

    [Fact]
    public void Every_relative_link_in_the_docs_leads_to_a_file() =>
        DocMatches(MarkdownLink())
            .Where(m => m.Value.Groups[1].Value.Split('#')[0] is { Length: > 0 } target && !target.Contains("://", StringComparison.Ordinal)
                && !Path.Exists(Path.Combine(Path.GetDirectoryName(m.Doc)!, target)))
            .Select(m => $"{Relative(m.Doc)}: {m.Value.Value}")
            .ShouldBeEmpty();

    [Fact]
    public void Every_repository_path_a_doc_names_exists() =>
        DocMatches(RepositoryPath())
            .Select(m => (m.Doc, Path: m.Value.Value.TrimEnd('.', ',', ':', ')')))
            .Where(m => m.Path.IndexOfAny(['…', '*', '{']) < 0 && !Path.Exists(RepoPaths.Combine(m.Path.Split('/'))))
            .Select(m => $"{Relative(m.Doc)}: {m.Path}")
            .Distinct()
            .ShouldBeEmpty();

    [Fact]
    public async Task Bench_quiet_runs_one_benchmark_at_a_time_and_reports_the_load()
    {
        var lockFile = Path.Combine(Directory.CreateTempSubdirectory("parley-quiet-").FullName, "bench.lock");
        try
        {
            var first = Quiet(lockFile, "sleep 2");
            await first.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
            var waited = System.Diagnostics.Stopwatch.StartNew();
            var second = Quiet(lockFile, "exit 3");
            await second.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            waited.Elapsed.ShouldBeGreaterThan(TimeSpan.FromSeconds(1)); // it waited for the first one's lock
            second.Process.ExitCode.ShouldBe(3);
            var said = second.Stderr.ToString();
            said.ShouldContain("another benchmark holds");
            said.ShouldContain("load average");
            said.ShouldContain("after (exit 3)");
            await first.Process.WaitForExitAsync();
            first.Process.ExitCode.ShouldBe(0);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(lockFile)!, recursive: true);
        }
    }

    private sealed record QuietRun(System.Diagnostics.Process Process, System.Text.StringBuilder Stderr, TaskCompletionSource Started);

    private static QuietRun Quiet(string lockFile, string command)
    {
        var start = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepoPaths.Root };
        foreach (var argument in new[] { "bench/quiet.sh", "sh", "-c", command })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["QUIET_LOCK"] = lockFile;
        start.Environment["QUIET_MAX_LOAD"] = "100000"; // never wait for the load here: the lock is what is tested
        var run = new QuietRun(new System.Diagnostics.Process { StartInfo = start }, new System.Text.StringBuilder(), new TaskCompletionSource());
        run.Process.ErrorDataReceived += (_, e) =>
        {
            lock (run.Stderr)
            {
                run.Stderr.AppendLine(e.Data);
            }

            if (e.Data?.Contains("before", StringComparison.Ordinal) == true)
            {
                run.Started.TrySetResult();
            }
        };
        run.Process.Start();
        run.Process.BeginErrorReadLine();
        return run;
    }

    private static IEnumerable<(string Doc, Match Value)> DocMatches(Regex regex) =>
        DocFiles().SelectMany(doc => regex.Matches(File.ReadAllText(doc)).Select(m => (doc, m)));

    private static IEnumerable<string> DocFiles() =>
        [RepoPaths.Combine("README.md"), .. Directory.EnumerateFiles(RepoPaths.Combine("docs"), "*.md"),
            .. Directory.EnumerateFiles(RepoPaths.Combine("tests", "vectors"), "*.md", SearchOption.AllDirectories)];

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    // Paths into the tree the docs tell readers to run or read: bench/…, scripts/…, tests/…, docs/…, src/Parley.….
    // Build output (bin/, wwwroot/app/) appears only after a build, so it is not looked for.
    [GeneratedRegex(@"(?<![\w/.-])(?:(?:bench|scripts|tests|docs)/|src/Parley\.)(?![\w./-]*(?:/bin/|wwwroot))[\w./-]*[\w]")]
    private static partial Regex RepositoryPath();
}
