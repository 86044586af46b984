using Parley.Crypto.Tests.Support;
using Parley.Testing;

namespace Parley.Crypto.Tests;

/// <summary>The Wycheproof vectors ship with the repository: a clone runs every case, and a missing file is a failure, never a skip.</summary>
public sealed class VectorFileTests
{
    private static readonly string Folder = RepoPaths.Combine("tests", "vectors", "wycheproof");

    [Fact]
    public void Every_vector_file_the_readme_lists_is_in_the_repository_with_its_licence()
    {
        var readme = File.ReadAllText(Path.Combine(Folder, "README.md"));
        readme.ShouldContain("Apache License 2.0");
        File.ReadAllText(Path.Combine(Folder, "LICENSE")).ShouldContain("Apache License");
        var listed = System.Text.RegularExpressions.Regex.Matches(readme, @"`([a-z0-9_]+_test\.json)`").Select(m => m.Groups[1].Value).ToList();
        listed.Count.ShouldBe(11);
        foreach (var file in listed)
        {
            using var doc = Vectors.Wycheproof(file);
            doc.RootElement.GetProperty("testGroups").GetArrayLength().ShouldBeGreaterThan(0, file);
        }
    }

    [Fact]
    public void A_missing_vector_file_fails_the_test_instead_of_skipping_it() =>
        Should.Throw<FileNotFoundException>(() => Vectors.Wycheproof("no_such_primitive_test.json"));
}
