using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Npgsql;
using Parley.Client.Messaging;
using Parley.Contracts.Messaging;
using Parley.Messaging.Tests.Support;

namespace Parley.Messaging.Tests;

/// <summary>
/// The server as a separate OS process: <c>kill -9</c> in the middle of a 10,000-envelope run loses
/// nothing (SQLite and PostgreSQL), and two nodes sharing PostgreSQL and a Redis backplane relay
/// between clients connected to different nodes.
/// </summary>
public sealed class CrashAndScaleTests
{
    private const int Envelopes = 10_000;

    private static Dictionary<string, string?> Settings(string provider, string? postgres = null)
    {
        var settings = MessagingServer.Defaults();
        settings["Parley:Storage:Provider"] = provider;
        settings["Parley:Secrets:CreatePerMinute"] = "0";
        if (postgres is not null)
        {
            settings["Parley:Storage:PostgresConnectionString"] = postgres;
        }

        return settings;
    }

    [Fact]
    public async Task Kill_9_in_the_middle_of_a_run_loses_nothing_on_sqlite()
    {
        await using var server = await ServerProcess.StartAsync(Settings("sqlite"));
        await RunWithCrashAsync(server, async () =>
        {
            await using var connection = new SqliteConnection($"Data Source={Path.Combine(server.DataDirectory, "parley.db")};Mode=ReadOnly");
            await connection.OpenAsync();
            await using var c = new SqliteCommand("SELECT count(*) FROM msg_envelopes", connection);
            return (long)(await c.ExecuteScalarAsync())!;
        });
    }

    [Fact]
    public async Task Kill_9_in_the_middle_of_a_run_loses_nothing_on_postgres()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var server = await ServerProcess.StartAsync(Settings("postgres", database.ConnectionString));
        await RunWithCrashAsync(server, async () =>
        {
            await using var connection = new NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync();
            await using var c = new NpgsqlCommand("SELECT count(*) FROM msg_envelopes", connection);
            return (long)(await c.ExecuteScalarAsync())!;
        });
    }

    private static async Task RunWithCrashAsync(ServerProcess server, Func<Task<long>> countStored)
    {
        await using var alice = await TestUser.CreateAsync(server.BaseUrl);
        await using var bob = await TestUser.CreateAsync(server.BaseUrl);
        var accepted = new ConcurrentDictionary<int, long>();
        var received = new ConcurrentDictionary<int, byte>();
        var down = false;
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(10)); // generous: CI machines are shared
        var token = deadline.Token;

        async Task<RelayClient> ConnectAsync(TestUser user)
        {
            while (true)
            {
                token.ThrowIfCancellationRequested();
                try
                {
                    return await RelayClient.ConnectAsync(server.BaseUrl, user.Token, cancellationToken: token);
                }
                catch (Exception e) when (e is MessagingApiException or HttpRequestException or IOException or System.Net.WebSockets.WebSocketException)
                {
                    await Task.Delay(200, token);
                }
            }
        }

        async Task SendAllAsync(int first, int step)
        {
            var relay = await ConnectAsync(alice);
            for (var i = first; i < Envelopes; i += step)
            {
                while (true)
                {
                    try
                    {
                        var result = await relay.SendAsync(bob.Name, 2, BitConverter.GetBytes(i), token);
                        accepted[i] = result.Id;
                        break;
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
                    {
                        // The server died mid-call: this envelope may or may not be stored; send it again.
                        await relay.DisposeAsync();
                        await Task.Delay(100, token);
                        relay = await ConnectAsync(alice);
                    }
                }
            }

            await relay.DisposeAsync();
        }

        async Task ReceiveAllAsync()
        {
            while (received.Count < Envelopes)
            {
                var relay = await ConnectAsync(bob);
                try
                {
                    while (received.Count < Envelopes && await relay.Envelopes.WaitToReadAsync(token))
                    {
                        var ids = new List<long>();
                        while (ids.Count < 500 && relay.Envelopes.TryRead(out var e))
                        {
                            received.TryAdd(BitConverter.ToInt32(e.Content), 0);
                            ids.Add(e.Id);
                        }

                        await relay.AckAsync(ids, token);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
                {
                    // connection lost (the crash); what was not acknowledged comes again
                }
                finally
                {
                    await relay.DisposeAsync();
                }
            }
        }

        var senders = Enumerable.Range(0, 4).Select(k => Task.Run(() => SendAllAsync(k, 4))).ToArray();
        var receiver = Task.Run(ReceiveAllAsync);
        while (accepted.Count < Envelopes * 4 / 10)
        {
            await Task.Delay(20, token);
        }

        var acceptedBeforeCrash = accepted.ToArray();
        down = true;
        await server.KillAsync();
        await Task.Delay(500, token);
        await server.RestartAsync(token);
        down = false;
        await Task.WhenAll(senders);
        await receiver.WaitAsync(TimeSpan.FromMinutes(8), token);

        down.ShouldBeFalse();
        acceptedBeforeCrash.Length.ShouldBeGreaterThan(0);
        received.Count.ShouldBe(Envelopes);
        accepted.Keys.ShouldAllBe(i => received.ContainsKey(i));

        // Everything was acknowledged: nothing delivered is left in the database.
        var deadlineForAcks = DateTime.UtcNow.AddSeconds(10);
        long stored;
        while ((stored = await countStored()) > 0 && DateTime.UtcNow < deadlineForAcks)
        {
            await Task.Delay(100);
        }

        stored.ShouldBe(0);
    }

    [Fact]
    public async Task Two_nodes_sharing_postgres_and_redis_relay_between_each_other()
    {
        var redis = TestEnvironment.RequireRedis();
        await using var database = await PostgresTestDatabase.CreateAsync();
        var settings = Settings("postgres", database.ConnectionString);
        settings["Parley:Messaging:Redis"] = redis;
        await using var nodeA = await ServerProcess.StartAsync(settings);
        await using var nodeB = await ServerProcess.StartAsync(settings);

        await using var alice = await TestUser.CreateAsync(nodeA.BaseUrl);
        await using var bob = await TestUser.CreateAsync(nodeB.BaseUrl);
        await using var onA = await RelayClient.ConnectAsync(nodeA.BaseUrl, alice.Token);
        await using var onB = await RelayClient.ConnectAsync(nodeB.BaseUrl, bob.Token);

        var ids = new List<long>();
        for (var i = 0; i < 20; i++)
        {
            ids.Add((await onA.SendAsync(bob.Name, 2, [(byte)i])).Id);
        }

        var got = await onB.ReceiveAsync(20);
        got.Select(e => e.Id).ShouldBe(ids);
        got.Select(e => e.Content[0]).ShouldBe(Enumerable.Range(0, 20).Select(i => (byte)i));

        // The receipt travels back over the Redis event channel to the sender's node.
        await onB.AckAsync(ids);
        var acknowledged = new HashSet<long>();
        while (acknowledged.Count < ids.Count)
        {
            var receipt = await onA.Receipts.NextAsync(TimeSpan.FromSeconds(15));
            receipt.Recipient.ShouldBe(bob.Name);
            acknowledged.UnionWith(receipt.Ids);
        }

        // And back the other way, from B to A.
        var reply = await onB.SendAsync(alice.Name, 2, [42]);
        (await onA.Envelopes.NextAsync(TimeSpan.FromSeconds(15))).Id.ShouldBe(reply.Id);

        // A logout through node A closes bob's connection on node B.
        using var bobOnA = new MessagingApi(nodeA.BaseUrl) { Token = bob.Token };
        await bobOnA.LogoutAsync();
        await onB.Closed.WaitAsync(TimeSpan.FromSeconds(15));
        onB.State.ShouldBe(RelayClientState.Disconnected);
    }
}
