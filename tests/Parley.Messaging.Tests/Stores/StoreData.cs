using Parley.Server.Features.Messaging;

namespace Parley.Messaging.Tests.Stores;

/// <summary>Accounts and envelopes for the store-level contract suites (unique names: the suites share one database per provider).</summary>
internal static class StoreData
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static string Name(string prefix) => (prefix + Guid.NewGuid().ToString("N")[..10]).ToLowerInvariant();

    public static StoredPreKey Key(uint id, bool signed = false) =>
        new(id, [.. BitConverter.GetBytes(id), 5, 5], signed ? [.. BitConverter.GetBytes(id), 9] : null);

    public static NewAccount Account(string username, int preKeys = 0, int kyberPreKeys = 0, byte[]? invite = null) =>
        new(username, [1, 2, 3], 42, Key(1000, signed: true), Key(2000, signed: true),
            [.. Enumerable.Range(1, preKeys).Select(i => Key((uint)i))],
            [.. Enumerable.Range(1, kyberPreKeys).Select(i => Key((uint)(100 + i), signed: true))], T0, invite);

    public static async Task<string> RegisterAsync(IAccountStore accounts, string prefix, int preKeys = 0, int kyberPreKeys = 0)
    {
        var name = Name(prefix);
        (await accounts.RegisterAsync(Account(name, preKeys, kyberPreKeys), default)).ShouldBe(RegisterStatus.Registered);
        return name;
    }

    public static NewEnvelope Envelope(string recipient, string sender, byte content, DateTimeOffset? expiresAt = null) =>
        new(recipient, sender, 2, null, T0, expiresAt ?? T0.AddDays(1), [content]);
}
