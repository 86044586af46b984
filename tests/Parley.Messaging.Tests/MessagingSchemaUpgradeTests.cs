using Parley.Server.Features.Messaging;
using Parley.Server.Features.Messaging.Storage;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Messaging.Tests;

/// <summary>
/// A database made by the first messaging schema (no invitations, undirected contacts) upgrades in place
/// when the server starts with the current one: members stay members with their roles, the old contact
/// pairs grant nobody's presence, and invitations and presence grants work on the upgraded tables.
/// </summary>
public sealed class MessagingSchemaUpgradeTests
{
    private static readonly FeatureSchema Version1 = SchemaUpgrades.FirstVersionOf(MessagingSchema.Schema);

    private static readonly byte[] GroupId = Convert.FromHexString("00112233445566778899AABBCCDDEEFF");

    private const string SqliteRows = """
        INSERT INTO msg_accounts (username, identity_key, registration_id, created_at) VALUES ('alice', x'05', 1, 0), ('bob', x'05', 2, 0), ('carol', x'05', 3, 0);
        INSERT INTO msg_groups (id, name, created_at) VALUES (x'00112233445566778899AABBCCDDEEFF', 'old', 0);
        INSERT INTO msg_group_members (group_id, username, admin, joined_at) VALUES
          (x'00112233445566778899AABBCCDDEEFF', 'alice', 1, 0), (x'00112233445566778899AABBCCDDEEFF', 'bob', 0, 1);
        INSERT INTO msg_contacts (a, b) VALUES ('alice', 'bob');
        """;

    private const string PostgresRows = """
        INSERT INTO msg_accounts (username, identity_key, registration_id, created_at) VALUES ('alice', '\x05', 1, 0), ('bob', '\x05', 2, 0), ('carol', '\x05', 3, 0);
        INSERT INTO msg_groups (id, name, created_at) VALUES ('\x00112233445566778899AABBCCDDEEFF', 'old', 0);
        INSERT INTO msg_group_members (group_id, username, admin, joined_at) VALUES
          ('\x00112233445566778899AABBCCDDEEFF', 'alice', true, 0), ('\x00112233445566778899AABBCCDDEEFF', 'bob', false, 1);
        INSERT INTO msg_contacts (a, b) VALUES ('alice', 'bob');
        """;

    [Fact]
    public Task A_version_1_sqlite_database_upgrades_in_place() =>
        SchemaUpgrades.OnSqliteAsync(Version1, MessagingSchema.Schema, SqliteRows, db => ShouldBeUpgradedAsync(new SqliteMessagingStore(db)));

    [Fact]
    public Task A_version_1_postgres_database_upgrades_in_place() =>
        SchemaUpgrades.OnPostgresAsync(Version1, MessagingSchema.Schema, PostgresRows, db => ShouldBeUpgradedAsync(new PostgresMessagingStore(db)));

    private static async Task ShouldBeUpgradedAsync<TStore>(TStore store)
        where TStore : IGroupStore, IPresenceStore
    {
        var group = (await store.GroupsOfAsync("bob", default)).Single();
        group.Id.ShouldBe(GroupId);
        group.Members.Select(m => (m.Username, m.Role)).ShouldBe([("alice", GroupRole.Admin), ("bob", GroupRole.Member)]);
        group.Invitees.ShouldBeEmpty();
        (await store.PresenceSubjectsAsync("alice", default)).ShouldBeEmpty();
        (await store.PresenceSubjectsAsync("bob", default)).ShouldBeEmpty();

        var now = DateTimeOffset.FromUnixTimeMilliseconds(10);
        await store.InGroupTransactionAsync(async tx =>
        {
            await tx.AddMemberAsync(GroupId, "carol", GroupRole.Invited, now);
            return 0;
        }, default);
        (await store.GroupsOfAsync("carol", default)).Single().Invitees.Single().Username.ShouldBe("carol");
        (await store.SetPresenceGrantAsync("bob", "alice", PresenceGrant.Sent, default)).ShouldBeTrue();
        (await store.PresenceSubjectsAsync("alice", default)).ShouldBe(["bob"]);
    }
}
