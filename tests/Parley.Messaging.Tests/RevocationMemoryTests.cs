using Microsoft.Extensions.DependencyInjection;
using Parley.Messaging.Tests.Support;
using Parley.Server.Features.Messaging;

namespace Parley.Messaging.Tests;

/// <summary>
/// A hub connection is registered after its token was checked at the WebSocket upgrade; a logout or
/// account deletion in between is caught by the node's memory of recent revocations (no second token
/// lookup per connect), and by the store once that memory no longer reaches back to the check.
/// </summary>
public sealed class RevocationMemoryTests(SqliteMessaging provider) : IClassFixture<SqliteMessaging>
{
    // The tests share one server (and its clock): each uses its own token hashes and usernames.
    private readonly byte[] Hash = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
    private readonly byte[] Other = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
    private readonly string Alice = TestUser.NewName();
    private readonly string Bob = TestUser.NewName();

    private string HashHex => Convert.ToHexString(Hash);

    private string OtherHex => Convert.ToHexString(Other);

    private async Task<(RelayConnections Connections, Microsoft.Extensions.Time.Testing.FakeTimeProvider Time)> NodeAsync()
    {
        var server = await provider.GetAsync();
        return (server.Services.GetRequiredService<RelayConnections>(), server.Time!);
    }

    [Fact]
    public async Task A_token_revoked_after_its_check_is_revoked_for_a_connection_still_registering()
    {
        var (connections, time) = await NodeAsync();
        var checkedAt = time.GetTimestamp();
        connections.RevocationOf(HashHex, Alice, checkedAt).ShouldBe(Revocation.None);
        time.Advance(TimeSpan.FromSeconds(1));
        connections.AbortToken(Hash);
        connections.RevocationOf(HashHex, Alice, checkedAt).ShouldBe(Revocation.Revoked);
        connections.RevocationOf(OtherHex, Alice, checkedAt).ShouldBe(Revocation.None);
    }

    [Fact]
    public async Task A_revocation_in_the_same_instant_as_the_check_counts_as_after_it()
    {
        var (connections, time) = await NodeAsync();
        var checkedAt = time.GetTimestamp();
        connections.AbortToken(Hash);
        connections.RevocationOf(HashHex, Alice, checkedAt).ShouldBe(Revocation.Revoked);
    }

    [Fact]
    public async Task An_account_deleted_after_the_check_revokes_every_token_of_it_but_a_new_account_of_that_name_connects()
    {
        var (connections, time) = await NodeAsync();
        var before = time.GetTimestamp();
        time.Advance(TimeSpan.FromSeconds(1));
        connections.AbortUser(Alice);
        connections.RevocationOf(HashHex, Alice, before).ShouldBe(Revocation.Revoked);
        connections.RevocationOf(HashHex, Bob, before).ShouldBe(Revocation.None);
        time.Advance(TimeSpan.FromSeconds(1));
        connections.RevocationOf(OtherHex, Alice, time.GetTimestamp()).ShouldBe(Revocation.None);
    }

    [Fact]
    public async Task A_check_older_than_the_remembered_window_is_unknown_so_the_store_decides()
    {
        var (connections, time) = await NodeAsync();
        var checkedAt = time.GetTimestamp();
        connections.AbortToken(Hash);
        time.Advance(RelayConnections.RevocationMemory + TimeSpan.FromSeconds(1));
        // Another revocation makes the node forget the old one; the old check can no longer be answered.
        connections.AbortToken(Other);
        connections.RevocationOf(HashHex, Alice, checkedAt).ShouldBe(Revocation.Unknown);
        connections.RevocationOf(HashHex, Alice, time.GetTimestamp()).ShouldBe(Revocation.None);
    }

    [Fact]
    public async Task A_logout_published_by_another_node_is_remembered_like_a_local_one()
    {
        var server = await provider.GetAsync();
        var connections = server.Services.GetRequiredService<RelayConnections>();
        var wake = server.Services.GetRequiredService<RelayWakeBus>();
        var checkedAt = server.Time!.GetTimestamp();
        // node(16) ‖ kind(1) ‖ token hash, as another node publishes it on the revocation channel
        wake.ApplyRevocation([.. Guid.NewGuid().ToByteArray(), 1, .. Hash]);
        connections.RevocationOf(HashHex, Alice, checkedAt).ShouldBe(Revocation.Revoked);
        wake.ApplyRevocation([.. Guid.NewGuid().ToByteArray(), 2, .. System.Text.Encoding.UTF8.GetBytes(Bob)]);
        connections.RevocationOf(OtherHex, Bob, checkedAt).ShouldBe(Revocation.Revoked);
    }
}
