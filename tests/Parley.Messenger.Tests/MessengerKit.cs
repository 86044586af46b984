using Parley.Client.Messenger;

namespace Parley.Messenger.Tests;

/// <summary>
/// A real server on loopback (SQLite store, real clock, rate limits off) and a folder of profiles:
/// each test registers its own users, with profile passphrases and a cheap Argon2id (the real cost is
/// the CLI's and the benchmarks' business).
/// </summary>
public sealed class MessengerKit : IAsyncLifetime
{
    public const string Passphrase = "correct horse battery staple";
    private readonly List<Client.Messenger.Messenger> _open = [];

    public ParleyTestServer Server { get; private set; } = null!;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "parley-messenger-" + Guid.NewGuid().ToString("N"));

    public MessengerOptions Options => new() { ProfilesRoot = Root, KdfMemoryKiB = 256, KdfIterations = 1, LockWait = TimeSpan.Zero };

    public async ValueTask InitializeAsync()
    {
        Server = await ParleyTestServer.StartAsync(new ParleyServerOptions
        {
            Provider = "sqlite",
            RealTime = true,
            Settings = new Dictionary<string, string?>
            {
                ["Parley:Messaging:RegistrationsPerHour"] = "0",
                ["Parley:Messaging:LoginsPerMinute"] = "0",
                ["Parley:Messaging:BundleFetchesPerHour"] = "0",
                ["Parley:Messaging:BundleFetchesPerTargetPerHour"] = "0",
                ["Parley:Messaging:SendsPerSecond"] = "0",
                ["Parley:Messaging:RequestsPerMinute"] = "0",
            },
        });
    }

    /// <summary>A unique username for this test run, e.g. alice7f3a.</summary>
    public static string Name(string stem) => stem + Guid.NewGuid().ToString("N")[..6];

    public async Task<Client.Messenger.Messenger> RegisterAsync(string username)
    {
        var m = await Client.Messenger.Messenger.RegisterAsync(username, Passphrase, Server.BaseAddress, username, options: Options);
        _open.Add(m);
        return m;
    }

    public Client.Messenger.Messenger Open(string username)
    {
        var m = Client.Messenger.Messenger.Open(username, Passphrase, Options);
        _open.Add(m);
        return m;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var m in _open)
        {
            try
            {
                await m.DisposeAsync();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        await Server.DisposeAsync();
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
