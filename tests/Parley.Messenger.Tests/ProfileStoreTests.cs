using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Parley.Client.Profiles;

namespace Parley.Messenger.Tests;

/// <summary>The encrypted profile on its own: unlocking, damage and tampering, one process at a time, passphrase changes.</summary>
public sealed class ProfileStoreTests : IDisposable
{
    private const string Passphrase = "profile store passphrase";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "parley-profile-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private ProfileStore Create(string name = "p") => ProfileStore.Create(name, Passphrase, _root, kdfMemoryKiB: 256, kdfIterations: 1);

    private ProfileStore Open(string passphrase = Passphrase, string name = "p") => ProfileStore.Open(name, passphrase, _root, TimeSpan.Zero);

    private string DatabasePath(string name = "p") => Path.Combine(_root, name, ProfileStore.DatabaseFile);

    private static Contact Someone(string name) => new(name, [5, .. RandomNumberGenerator.GetBytes(32)], DateTimeOffset.UnixEpoch, false, ContactTrust.Accepted, null, null, true);

    private void Seed()
    {
        using var store = Create();
        var write = store.BeginWrite();
        write.Put(ItemKind.Contact, "bob", Someone("bob"), ProfileCodecs.Contact);
        write.Put(ItemKind.Contact, "carol", Someone("carol"), ProfileCodecs.Contact);
        write.Commit();
    }

    private void Sql(string sql)
    {
        using var db = new SqliteConnection($"Data Source={DatabasePath()};Pooling=False");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    public void What_is_written_reads_back_after_reopening()
    {
        Seed();
        using var store = Open();
        store.Get(ItemKind.Contact, "bob", ProfileCodecs.Contact)!.Username.ShouldBe("bob");
        store.BeginWrite().List(ItemKind.Contact, ProfileCodecs.Contact).Select(c => c.Username).Order().ShouldBe(["bob", "carol"]);
    }

    [Fact]
    public void A_wrong_passphrase_is_refused_and_changes_no_byte()
    {
        Seed();
        var before = File.ReadAllBytes(DatabasePath());
        Should.Throw<ProfileException>(() => Open("not the passphrase")).Failure.ShouldBe(ProfileFailure.WrongPassphrase);
        File.ReadAllBytes(DatabasePath()).ShouldBe(before);
    }

    [Fact]
    public void A_value_with_one_bit_changed_is_reported_as_damage_not_read()
    {
        Seed();
        using (var db = new SqliteConnection($"Data Source={DatabasePath()};Pooling=False"))
        {
            db.Open();
            using var read = db.CreateCommand();
            read.CommandText = "SELECT k, v FROM items WHERE kind = 30";
            var rows = new List<(byte[] K, byte[] V)>();
            using (var reader = read.ExecuteReader())
            {
                while (reader.Read())
                {
                    rows.Add(((byte[])reader.GetValue(0), (byte[])reader.GetValue(1)));
                }
            }

            foreach (var (k, v) in rows)
            {
                v[v.Length / 2] ^= 0x10;
                using var write = db.CreateCommand();
                write.CommandText = "UPDATE items SET v = $v WHERE kind = 30 AND k = $k";
                write.Parameters.AddWithValue("$v", v);
                write.Parameters.AddWithValue("$k", k);
                write.ExecuteNonQuery();
            }
        }

        using var store = Open();
        Should.Throw<ProfileException>(() => store.Get(ItemKind.Contact, "bob", ProfileCodecs.Contact)).Failure.ShouldBe(ProfileFailure.Damaged);
    }

    [Fact]
    public void A_value_replaced_by_text_is_reported_as_damage_not_as_missing()
    {
        Seed();
        Sql("UPDATE items SET v = 'not a sealed value' WHERE kind = 30");
        using var store = Open();
        Should.Throw<ProfileException>(() => store.Get(ItemKind.Contact, "bob", ProfileCodecs.Contact)).Failure.ShouldBe(ProfileFailure.Damaged);
    }

    [Fact]
    public void A_value_moved_to_another_row_is_reported_as_damage()
    {
        Seed();
        // every contact gets the first contact's sealed value: each still decrypts, but not under its own row
        Sql("UPDATE items SET v = (SELECT v FROM items WHERE kind = 30 ORDER BY k LIMIT 1) WHERE kind = 30");
        using var store = Open();
        Should.Throw<ProfileException>(() => store.BeginWrite().List(ItemKind.Contact, ProfileCodecs.Contact)).Failure.ShouldBe(ProfileFailure.Damaged);
    }

    [Fact]
    public void A_file_that_is_no_database_is_reported_as_damage()
    {
        Seed();
        File.WriteAllBytes(DatabasePath(), RandomNumberGenerator.GetBytes(8192));
        File.Delete(DatabasePath() + "-wal");
        Should.Throw<ProfileException>(() => Open()).Failure.ShouldBe(ProfileFailure.Damaged);
    }

    [Fact]
    public void A_changed_key_derivation_parameter_unlocks_nothing()
    {
        Seed();
        Sql("UPDATE meta SET value = CAST(replace(CAST(value AS TEXT), '\"iterations\":1', '\"iterations\":2') AS BLOB) WHERE name = 'keyring'");
        Should.Throw<ProfileException>(() => Open()).Failure.ShouldBe(ProfileFailure.WrongPassphrase);
    }

    [Fact]
    public void A_second_process_on_the_same_profile_is_refused_cleanly()
    {
        Seed();
        using var first = Open();
        Should.Throw<ProfileException>(() => Open()).Failure.ShouldBe(ProfileFailure.InUse);
        first.Dispose();
        using var again = Open();
        again.Get(ItemKind.Contact, "bob", ProfileCodecs.Contact).ShouldNotBeNull();
    }

    [Fact]
    public void A_passphrase_change_rewraps_the_key_and_leaves_every_value_as_it_was()
    {
        Seed();
        string Items()
        {
            using var db = new SqliteConnection($"Data Source={DatabasePath()};Mode=ReadOnly;Pooling=False");
            db.Open();
            using var command = db.CreateCommand();
            command.CommandText = "SELECT hex(k) || hex(v) FROM items ORDER BY kind, k";
            using var reader = command.ExecuteReader();
            var all = new List<string>();
            while (reader.Read())
            {
                all.Add(reader.GetString(0));
            }

            return string.Join(',', all);
        }

        var before = Items();
        using (var store = Open())
        {
            Should.Throw<ProfileException>(() => store.ChangePassphrase("wrong current", "new one")).Failure.ShouldBe(ProfileFailure.WrongPassphrase);
            store.ChangePassphrase(Passphrase, "the new passphrase");
        }

        Items().ShouldBe(before);
        Should.Throw<ProfileException>(() => Open()).Failure.ShouldBe(ProfileFailure.WrongPassphrase);
        using var reopened = Open("the new passphrase");
        reopened.Get(ItemKind.Contact, "carol", ProfileCodecs.Contact)!.Username.ShouldBe("carol");
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Files_and_folder_are_readable_by_their_owner_only()
    {
        Seed();
        File.GetUnixFileMode(Path.Combine(_root, "p")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.GetUnixFileMode(DatabasePath()).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../escape")]
    [InlineData(".hidden")]
    [InlineData("-option")]
    [InlineData("a/b")]
    [InlineData("name with space")]
    public void A_profile_name_that_could_escape_its_folder_is_refused(string name)
    {
        Should.Throw<ProfileException>(() => ProfileStore.Create(name, Passphrase, _root)).Failure.ShouldBe(ProfileFailure.InvalidName);
        Directory.Exists(_root).ShouldBeFalse();
    }
}
