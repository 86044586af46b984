using System.Text.Json;
using Parley.Testing;

namespace Parley.Crypto.Tests.Support;

/// <summary>
/// Published test vectors: Project Wycheproof's JSON files, kept in the repository
/// (tests/vectors/wycheproof, see its README; a missing one fails the test), and the NIST/RFC files
/// Debian ships in python3-cryptography-vectors (installed by ./test.sh; absent, they skip with a
/// reason, and fail when CI=true).
/// </summary>
internal static class Vectors
{
    public const string CryptographyVectorsRoot = "/usr/lib/python3/dist-packages/cryptography_vectors";

    public static JsonDocument Wycheproof(string fileName)
    {
        var path = RepoPaths.Combine("tests", "vectors", "wycheproof", fileName);
        return File.Exists(path)
            ? JsonDocument.Parse(File.ReadAllBytes(path))
            : throw new FileNotFoundException("A Wycheproof vector file the tests need is missing from the repository.", path);
    }

    /// <summary>All Wycheproof test cases with their group.</summary>
    public static IEnumerable<(JsonElement Group, JsonElement Test)> WycheproofCases(JsonDocument doc)
    {
        foreach (var group in doc.RootElement.GetProperty("testGroups").EnumerateArray())
        {
            foreach (var test in group.GetProperty("tests").EnumerateArray())
            {
                yield return (group, test);
            }
        }
    }

    public static string CryptographyVectorsFile(string relativePath)
    {
        var path = Path.Combine(CryptographyVectorsRoot, relativePath);
        if (!File.Exists(path))
        {
            Unavailable($"{path} not found: install python3-cryptography-vectors (./test.sh does)");
        }

        return path;
    }

    /// <summary>
    /// Parses the NIST CAVP / cryptography.io "KEY = value" format: a record ends when one of its keys
    /// repeats (files put blank lines inside records too),
    /// <c>[Name = value]</c> lines set section parameters carried into every record after them, and a
    /// bare <c>FAIL</c> line marks the record as expected to fail.
    /// </summary>
    public static List<Dictionary<string, string>> ParseRecords(string path)
    {
        var records = new List<Dictionary<string, string>>();
        var section = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        Dictionary<string, string>? current = null;

        void Flush()
        {
            if (current is not null && current.Count > 0)
            {
                foreach (var (k, v) in section)
                {
                    current.TryAdd("[" + k + "]", v);
                }

                records.Add(current);
            }

            current = null;
        }

        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith('['))
            {
                Flush();
                var inner = line.Trim('[', ']');
                var eq = inner.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    section[inner[..eq].Trim()] = inner[(eq + 1)..].Trim();
                }
                else
                {
                    section["mode"] = inner;
                }

                continue;
            }

            current ??= new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (line == "FAIL")
            {
                current["FAIL"] = "true";
                continue;
            }

            var i = line.IndexOf('=', StringComparison.Ordinal);
            if (i > 0)
            {
                var name = line[..i].Trim();
                if (current.ContainsKey(name))
                {
                    Flush();
                    current = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                }

                current[name] = line[(i + 1)..].Trim();
            }
        }

        Flush();
        return records;
    }

    public static byte[] Hex(string hex) => Convert.FromHexString(hex);

    public static byte[] Hex(JsonElement element, string property) => Convert.FromHexString(element.GetProperty(property).GetString()!);

    public static bool HasFlag(JsonElement test, string flag) =>
        test.TryGetProperty("flags", out var flags) && flags.EnumerateArray().Any(f => f.GetString() == flag);

    private static void Unavailable(string reason)
    {
        if (TestEnvironment.IsCi)
        {
            throw new InvalidOperationException("CI=true but " + reason);
        }

        Assert.Skip(reason);
    }
}
