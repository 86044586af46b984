namespace Parley.Cli.Tests.Messaging;

/// <summary>The people a test made, each with their own home for profiles; all of them are cleaned up together.</summary>
internal sealed class CliPeople(string server) : IDisposable
{
    private readonly List<CliUser> _users = [];

    /// <summary>A new person (a fresh username from <paramref name="stem"/>) on the server.</summary>
    public CliUser Add(string stem)
    {
        var user = new CliUser(stem, server);
        _users.Add(user);
        return user;
    }

    public void Dispose()
    {
        foreach (var u in _users)
        {
            u.Dispose();
        }
    }
}
