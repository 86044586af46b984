namespace Parley.Testing;

/// <summary>Locations inside the repository, found from the test binary's folder.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The folder that holds Parley.slnx.</summary>
    public static string Root => RootPath.Value;

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Parley.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Parley.slnx not found above " + AppContext.BaseDirectory);
    }
}
