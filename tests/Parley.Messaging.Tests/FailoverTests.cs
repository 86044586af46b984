using System.Collections.Concurrent;
using System.Net.WebSockets;
using Npgsql;
using Parley.Client.Messaging;
using Parley.Client.Secrets;
using Parley.Client.Secrets.Api;
using Parley.Messaging.Tests.Support;
using ClientSecretsApi = Parley.Client.Secrets.Api.SecretsApi;

namespace Parley.Messaging.Tests;

/// <summary>
/// Two nodes sharing PostgreSQL and Redis behind nginx (deploy/nginx/parley.conf over HTTPS and WSS);
/// relay clients and a run of secret creates and racing opens, all through the proxy; <c>kill -9</c> of a
/// node in the middle. The second node is nginx's backup here, so every client is on the node that dies
/// and must reconnect through the proxy to the other. Then: every envelope a node accepted arrives, none
/// arrives again after its acknowledgement was confirmed, nothing is left queued, and no secret is
/// opened twice.
/// </summary>
public sealed class FailoverTests
{
    // The run issue 15 asks for: 10,000 envelopes and 1,000 secrets (each created, then opened by two racing readers).
    private const int Senders = 2;
    private const int EnvelopesPerSender = 5_000;
    private const int Envelopes = Senders * EnvelopesPerSender;
    private const int Secrets = 1_000;

    [Fact]
    public async Task Kill_9_of_one_node_of_two_loses_no_envelope_delivers_none_again_after_ack_and_opens_no_secret_twice()
    {
        var redis = TestEnvironment.RequireRedis();
        await using var database = await PostgresTestDatabase.CreateAsync();
        var settings = MessagingServer.SharedBehindProxy(database.ConnectionString, redis);
        // Both start at once (the schema scripts run once, under PostgreSQL's advisory lock); one that fails takes the other down.
        Task<ServerProcess>[] starting = [ServerProcess.StartAsync(settings), ServerProcess.StartAsync(settings)];
        try
        {
            await Task.WhenAll(starting);
        }
        catch
        {
            foreach (var started in starting.Where(t => t.IsCompletedSuccessfully))
            {
                await (await started).DisposeAsync();
            }

            throw;
        }

        await using var doomed = await starting[0];
        await using var survivor = await starting[1];
        await using var front = await NginxFront.StartAsync([doomed.BaseUrl, survivor.BaseUrl], firstIsPrimary: true);
        using var relayHandler = front.TrustingHandler();
        var relayOptions = new RelayClientOptions { Handler = relayHandler };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromMinutes(4)); // generous: CI machines are shared
        var token = deadline.Token;

        await using var bob = await TestUser.CreateAsync(front.Url, handler: front.TrustingHandler());
        var senders = new List<TestUser>();
        for (var s = 0; s < Senders; s++)
        {
            senders.Add(await TestUser.CreateAsync(front.Url, handler: front.TrustingHandler()));
        }

        var accepted = new ConcurrentDictionary<int, long>();     // payload → id, once a node accepted it
        var received = new ConcurrentDictionary<int, byte>();     // payloads bob got
        var confirmedAcks = new ConcurrentDictionary<long, byte>(); // ids whose Ack call returned
        var againAfterAck = new ConcurrentBag<long>();
        var bobConnects = 0;
        var senderReconnects = 0;

        // Connects through the proxy, again and again until a node behind it takes the connection.
        async Task<RelayClient> ConnectAsync(TestUser user)
        {
            while (true)
            {
                token.ThrowIfCancellationRequested();
                try
                {
                    return await RelayClient.ConnectAsync(front.Url, user.Token, relayOptions, token);
                }
                catch (Exception e) when (e is MessagingApiException or HttpRequestException or IOException or WebSocketException)
                {
                    await Task.Delay(50, token);
                }
            }
        }

        async Task SendAllAsync(TestUser sender, int index)
        {
            var relay = await ConnectAsync(sender);
            for (var i = 0; i < EnvelopesPerSender; i++)
            {
                var payload = (index * EnvelopesPerSender) + i;
                while (true)
                {
                    try
                    {
                        accepted[payload] = (await relay.SendAsync(bob.Name, 2, BitConverter.GetBytes(payload), token)).Id;
                        break;
                    }
                    catch (Exception) when (!token.IsCancellationRequested)
                    {
                        // The node died mid-call: the envelope may or may not be stored; send it again elsewhere.
                        await relay.DisposeAsync();
                        Interlocked.Increment(ref senderReconnects);
                        relay = await ConnectAsync(sender);
                    }
                }
            }

            await relay.DisposeAsync();
        }

        // Takes what has arrived (up to 500), notes any envelope that comes again after its confirmed ack, acks the rest.
        async Task TakeAndAckAsync(RelayClient relay)
        {
            var ids = new List<long>();
            while (ids.Count < 500 && relay.Envelopes.TryRead(out var e))
            {
                if (confirmedAcks.ContainsKey(e.Id))
                {
                    againAfterAck.Add(e.Id);
                }

                received.TryAdd(BitConverter.ToInt32(e.Content), 0);
                ids.Add(e.Id);
            }

            await relay.AckAsync(ids, token);
            foreach (var id in ids)
            {
                confirmedAcks.TryAdd(id, 0);
            }
        }

        async Task ReceiveAllAsync()
        {
            while (received.Count < Envelopes)
            {
                var relay = await ConnectAsync(bob);
                Interlocked.Increment(ref bobConnects);
                try
                {
                    while (received.Count < Envelopes && await relay.Envelopes.WaitToReadAsync(token))
                    {
                        await TakeAndAckAsync(relay);
                    }
                }
                catch (Exception) when (!token.IsCancellationRequested)
                {
                    // The connection died with its node; what was not acknowledged comes again.
                }
                finally
                {
                    await relay.DisposeAsync();
                }
            }
        }

        // Secrets: each created through one node, then opened by two readers at once, one through each node,
        // as two people holding the same link would. It keeps pace with the envelopes, so the kill lands in both.
        var successfulOpens = new ConcurrentDictionary<string, int>();
        var openOutcomeUnknown = new ConcurrentDictionary<string, byte>(); // an open that died with its node
        var secretsCreated = 0;
        using var secretsApi = new ClientSecretsApi(front.Url.ToString().TrimEnd('/'), front.TrustingHandler());

        // nginx answers 502 for a request whose node died under it (one it could not pass on fails over by itself).
        static bool LostWithItsNode(SecretsApiException e) => e.Failure is ApiFailure.Network or ApiFailure.ServerError;

        async Task<T> ThroughTheProxyAsync<T>(Func<ClientSecretsApi, Task<T>> call)
        {
            while (true)
            {
                try
                {
                    return await call(secretsApi);
                }
                catch (SecretsApiException e) when (LostWithItsNode(e) && !token.IsCancellationRequested)
                {
                    await Task.Delay(50, token);
                }
            }
        }

        async Task OpenAsync(CreatedSecret created)
        {
            while (true)
            {
                var api = secretsApi;
                var client = new SecretsClient(api);
                using var link = new ShareLink(api.Server, created.Share.Id, created.Share.Key);
                try
                {
                    var look = await client.LookAsync(link, token);
                    using var opened = await client.OpenAsync(link, look, null, token);
                    successfulOpens.AddOrUpdate(created.Share.Id, 1, (_, n) => n + 1);
                    return;
                }
                catch (SecretsApiException e) when (e.Failure is ApiFailure.AlreadyOpened or ApiFailure.NotFound)
                {
                    return; // the other reader won
                }
                catch (SecretsApiException e) when (LostWithItsNode(e) && !token.IsCancellationRequested)
                {
                    // The node may have claimed the view before it died.
                    openOutcomeUnknown.TryAdd(created.Share.Id, 0);
                    await Task.Delay(50, token);
                }
            }
        }

        async Task SecretsRunAsync()
        {
            var config = await ThroughTheProxyAsync(api => api.GetConfigAsync(token));
            for (var i = 0; i < Secrets; i++)
            {
                while ((double)i / Secrets > ((double)accepted.Count / Envelopes) + 0.05 && accepted.Count < Envelopes)
                {
                    await Task.Delay(10, token);
                }

                using var created = await ThroughTheProxyAsync(api => new SecretsClient(api).CreateAsync(
                    new NewSecret { Text = "secret " + i, ExpiresInSeconds = 3600, MaxViews = 1 }, config, cancellationToken: token));
                successfulOpens.TryAdd(created.Share.Id, 0);
                Interlocked.Increment(ref secretsCreated);
                await Task.WhenAll(OpenAsync(created), OpenAsync(created));
            }
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var running = senders.Select((s, k) => Task.Run(() => SendAllAsync(s, k), token))
            .Append(Task.Run(ReceiveAllAsync, token))
            .Append(Task.Run(SecretsRunAsync, token))
            .ToArray();
        while (accepted.Count < Envelopes * 4 / 10)
        {
            await Task.Delay(20, token);
        }

        var (acceptedAtKill, secretsAtKill) = (accepted.Count, Volatile.Read(ref secretsCreated));
        await doomed.KillAsync();
        try
        {
            await Task.WhenAll(running).WaitAsync(token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            // Say which part stopped making progress, so that a hang can be told from a slow machine.
            throw new TimeoutException($"the run did not finish: accepted {accepted.Count} of {Envelopes}, received {received.Count}, "
                + $"secrets created {Volatile.Read(ref secretsCreated)} of {Secrets}, receiver connects {bobConnects}, sender reconnects "
                + $"{senderReconnects}; tasks (senders…, receiver, secrets): {string.Join(", ", running.Select(t => t.Status))}");
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"run {clock.Elapsed.TotalSeconds:F1} s; killed at {acceptedAtKill} envelopes and "
            + $"{secretsAtKill} secrets; receiver connects {bobConnects}; sender reconnects {senderReconnects}; "
            + $"secret opens whose outcome died with the node {openOutcomeUnknown.Count}");

        acceptedAtKill.ShouldBeLessThan(Envelopes, "the kill came in the middle of the envelopes");
        secretsAtKill.ShouldBeInRange(1, Secrets - 1, "the kill came in the middle of the secrets");
        bobConnects.ShouldBeGreaterThan(1, "the receiver's node died under it: it reconnected through the proxy");
        senderReconnects.ShouldBeGreaterThan(0, "the senders' node died under them: they reconnected through the proxy");

        // A copy that a sender sent again (the answer to its first try died with the node) may still be queued.
        await using (var last = await ConnectAsync(bob))
        {
            while (!await last.Envelopes.StaysQuietAsync(TimeSpan.FromSeconds(2)))
            {
                await TakeAndAckAsync(last);
            }
        }

        // Envelopes: all arrived, none after its acknowledgement, none left queued.
        accepted.Count.ShouldBe(Envelopes);
        accepted.Keys.ShouldAllBe(payload => received.ContainsKey(payload));
        againAfterAck.ShouldBeEmpty("an envelope came again after its acknowledgement was confirmed");
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync(token);
            await using var count = new NpgsqlCommand("SELECT count(*) FROM msg_envelopes", connection);
            ((long)(await count.ExecuteScalarAsync(token))!).ShouldBe(0);
        }

        // Secrets: none opened twice; each opened once, unless the open that won died with its node.
        successfulOpens.Count.ShouldBe(Secrets);
        successfulOpens.Values.ShouldAllBe(n => n <= 1);
        successfulOpens.Where(p => p.Value == 0).ShouldAllBe(p => openOutcomeUnknown.ContainsKey(p.Key));
    }
}
