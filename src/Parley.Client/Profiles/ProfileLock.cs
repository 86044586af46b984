namespace Parley.Client.Profiles;

/// <summary>
/// One process per profile: an exclusive lock on the profile's <c>lock</c> file (flock on Unix), which
/// the operating system releases when the process ends, however it ends.
/// </summary>
internal sealed class ProfileLock : IDisposable
{
    public const string FileName = "lock";
    private readonly FileStream _file;

    private ProfileLock(FileStream file) => _file = file;

    /// <summary>Takes the lock, waiting up to <paramref name="wait"/> for another process to let go.</summary>
    public static ProfileLock Acquire(string folder, TimeSpan wait)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                var options = new FileStreamOptions
                {
                    Mode = FileMode.OpenOrCreate,
                    Access = FileAccess.ReadWrite,
                    Share = FileShare.None,
                };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                return new ProfileLock(new FileStream(Path.Combine(folder, FileName), options));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
            catch (IOException e)
            {
                throw new ProfileException(ProfileFailure.InUse,
                    "the profile is in use by another parley process (e.g. 'parley inbox --follow'); stop it and try again", e);
            }
        }
    }

    public void Dispose() => _file.Dispose();
}
