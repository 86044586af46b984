namespace Parley.Client.Profiles;

/// <summary>
/// Where profiles live: one directory per profile under <c>$XDG_DATA_HOME/parley/profiles</c>
/// (<c>~/.local/share/parley/profiles</c> when XDG_DATA_HOME is unset), each readable by its owner only.
/// </summary>
public static class ProfileDirectory
{
    public const string DefaultName = "default";
    public const string ProfileVariable = "PARLEY_PROFILE";
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>The folder that holds every profile.</summary>
    public static string Root
    {
        get
        {
            var data = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
            if (string.IsNullOrWhiteSpace(data) || !Path.IsPathRooted(data))
            {
                data = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
            }

            return Path.Combine(data, "parley", "profiles");
        }
    }

    /// <summary>The profile name to use: the option, else $PARLEY_PROFILE, else "default".</summary>
    public static string ResolveName(string? option)
    {
        var name = option ?? Environment.GetEnvironmentVariable(ProfileVariable);
        name = string.IsNullOrEmpty(name) ? DefaultName : name;
        return IsValidName(name) ? name
            : throw new ProfileException(ProfileFailure.InvalidName, "a profile name is 1 to 64 letters, digits, '.', '_' or '-', not starting with '.' or '-'");
    }

    /// <summary>Letters, digits, '.', '_', '-'; 1..64; no leading '.' or '-' (no hidden files, no options, no paths).</summary>
    public static bool IsValidName(string? name) =>
        name is { Length: >= 1 and <= 64 } && name[0] is not ('.' or '-')
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    public static string PathOf(string name, string? root = null) => Path.Combine(root ?? Root, name);

    /// <summary>The names of the profiles that exist, sorted.</summary>
    public static IReadOnlyList<string> List(string? root = null)
    {
        root ??= Root;
        if (!Directory.Exists(root))
        {
            return [];
        }

        return [.. Directory.EnumerateDirectories(root)
            .Select(Path.GetFileName)
            .Where(n => IsValidName(n) && File.Exists(Path.Combine(root, n!, ProfileStore.DatabaseFile)))
            .Order(StringComparer.Ordinal)!];
    }

    /// <summary>Creates the profile's folder, readable by its owner only; refuses an existing profile.</summary>
    internal static string CreateFolder(string name, string? root)
    {
        root ??= Root;
        var path = PathOf(name, root);
        if (File.Exists(Path.Combine(path, ProfileStore.DatabaseFile)))
        {
            throw new ProfileException(ProfileFailure.AlreadyExists, $"profile '{name}' already exists");
        }

        Directory.CreateDirectory(root);
        Directory.CreateDirectory(path);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, OwnerOnly);
        }

        return path;
    }

    /// <summary>Deletes a profile's folder and everything in it.</summary>
    public static void Delete(string name, string? root = null)
    {
        var path = PathOf(name, root);
        if (!Directory.Exists(path))
        {
            throw new ProfileException(ProfileFailure.NotFound, $"no profile named '{name}'");
        }

        using (ProfileLock.Acquire(path, TimeSpan.Zero))
        {
            foreach (var file in Directory.EnumerateFiles(path))
            {
                if (Path.GetFileName(file) != ProfileLock.FileName)
                {
                    File.Delete(file);
                }
            }
        }

        Directory.Delete(path, recursive: true);
    }
}
