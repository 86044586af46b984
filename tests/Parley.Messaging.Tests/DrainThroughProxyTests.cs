using System.Collections.Concurrent;
using System.Threading.Channels;
using Parley.Client.Messenger;
using Parley.Client.Secrets;
using Parley.Messaging.Tests.Support;
using ClientSecretsApi = Parley.Client.Secrets.Api.SecretsApi;

namespace Parley.Messaging.Tests;

/// <summary>
/// A rolling restart as an operator does it: two nodes (PostgreSQL and Redis shared) behind nginx with
/// deploy/nginx/parley.conf, people chatting live and a run of secret creates and opens, all through the
/// proxy, and SIGTERM to the node they are all on (the other is nginx's backup here). The node drains and
/// exits; the clients see no error: every send is accepted, every secret created and opened, every message
/// arrives once, in order.
/// </summary>
public sealed class DrainThroughProxyTests
{
    [Fact]
    public async Task Sigterm_of_the_node_every_client_is_on_costs_the_clients_no_error()
    {
        var redis = TestEnvironment.RequireRedis();
        await using var database = await PostgresTestDatabase.CreateAsync();
        var settings = MessagingServer.SharedBehindProxy(database.ConnectionString, redis);
        settings["Parley:Health:DrainSeconds"] = "3";
        await using var draining = await ServerProcess.StartAsync(settings);
        await using var staying = await ServerProcess.StartAsync(settings);
        await using var front = await NginxFront.StartAsync([draining.BaseUrl, staying.BaseUrl], firstIsPrimary: true);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromMinutes(3));
        var token = deadline.Token;

        var root = Directory.CreateTempSubdirectory("parley-drain-").FullName;
        try
        {
            MessengerOptions Options() => new()
            {
                ProfilesRoot = root, KdfMemoryKiB = 256, KdfIterations = 1, LockWait = TimeSpan.Zero, HttpHandler = front.TrustingHandler(),
            };
            var (aliceName, bobName) = ("alice" + Guid.NewGuid().ToString("N")[..6], "bob" + Guid.NewGuid().ToString("N")[..6]);
            await using var alice = await Client.Messenger.Messenger.RegisterAsync(aliceName, "pass phrase", front.Url, aliceName, options: Options());
            await using var bob = await Client.Messenger.Messenger.RegisterAsync(bobName, "pass phrase", front.Url, bobName, options: Options());

            var problems = new ConcurrentQueue<string>();
            var connectionNotes = new ConcurrentQueue<string>();
            var received = Channel.CreateUnbounded<string>();
            using var stop = new CancellationTokenSource();
            using var stopFollowing = new CancellationTokenSource();
            async Task FollowAsync(Client.Messenger.Messenger who, bool collect)
            {
                await foreach (var e in who.FollowAsync(cancellationToken: stopFollowing.Token))
                {
                    if (e is ConnectionChanged { Connected: false } c)
                    {
                        connectionNotes.Enqueue($"{who.Username}: {c.Problem}");
                    }
                    else if (e is EnvelopeDropped d)
                    {
                        connectionNotes.Enqueue($"{who.Username} dropped an envelope: {d.Reason}");
                    }
                    else if (collect && e is MessageReceived m && m.Message.Text is { } text)
                    {
                        await received.Writer.WriteAsync(text, token);
                    }
                }
            }

            var following = new[] { Task.Run(() => FollowAsync(alice, false), token), Task.Run(() => FollowAsync(bob, true), token) };
            (await alice.SendTextAsync(bob.Username, "warm-up", token)).Queued.ShouldBeTrue();
            (await received.Reader.ReadAsync(token)).ShouldBe("warm-up");

            var sent = new List<string>();
            async Task ChatAsync()
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var text = $"message {i}";
                    var result = await alice.SendTextAsync(bob.Username, text, token);
                    sent.Add(text);
                    if (!result.Queued)
                    {
                        problems.Enqueue($"send {i}: {result.Problem}");
                    }

                    await Task.Delay(15, token);
                }
            }

            var secretsDone = 0;
            async Task SecretsAsync()
            {
                using var api = new ClientSecretsApi(front.Url.ToString().TrimEnd('/'), front.TrustingHandler());
                var client = new SecretsClient(api);
                var config = await api.GetConfigAsync(token);
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    try
                    {
                        using var created = await client.CreateAsync(new NewSecret { Text = "secret " + i, ExpiresInSeconds = 3600, MaxViews = 1 }, config,
                            cancellationToken: token);
                        using var link = new ShareLink(api.Server, created.Share.Id, created.Share.Key);
                        var look = await client.LookAsync(link, token);
                        using var opened = await client.OpenAsync(link, look, null, token);
                        secretsDone++;
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        problems.Enqueue($"secret {i}: {e.GetType().Name}: {e.Message}");
                    }
                }
            }

            void Log(string line) => TestContext.Current.TestOutputHelper?.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
            var load = new[] { Task.Run(ChatAsync, token), Task.Run(SecretsAsync, token) };
            await Task.Delay(TimeSpan.FromSeconds(1.5), token);
            var (sentAtTerm, secretsAtTerm) = (sent.Count, secretsDone);
            Log("SIGTERM");
            draining.Terminate();
            (await draining.WaitForExitAsync(TimeSpan.FromSeconds(60))).ShouldBe(0, "the node drained and exited cleanly");
            await Task.Delay(TimeSpan.FromSeconds(2), token); // and the clients go on on the other node
            Log("exited");
            await stop.CancelAsync();
            await Task.WhenAll(load).WaitAsync(TimeSpan.FromSeconds(60), token);

            Log($"load stopped: sent {sent.Count}, secrets {secretsDone}, problems {problems.Count}: {string.Join(" | ", problems.Take(5))}");
            var arrived = new List<string>();
            while (arrived.Count < sent.Count)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(token);
                wait.CancelAfter(TimeSpan.FromSeconds(30));
                try
                {
                    arrived.Add(await received.Reader.ReadAsync(wait.Token));
                }
                catch (OperationCanceledException)
                {
                    Log($"only {arrived.Count} of {sent.Count} arrived; missing {string.Join(",", sent.Except(arrived))}; notes {string.Join(" | ", connectionNotes)}\nnginx: {front.ErrorLog}");
                    throw;
                }
            }

            await stopFollowing.CancelAsync();
            await Task.WhenAll(following);
            TestContext.Current.TestOutputHelper?.WriteLine($"sent {sent.Count} messages ({sentAtTerm} before SIGTERM), {secretsDone} secrets "
                + $"({secretsAtTerm} before); connection notes: {string.Join(" | ", connectionNotes)}");

            problems.ShouldBeEmpty();
            sentAtTerm.ShouldBeGreaterThan(0);
            sent.Count.ShouldBeGreaterThan(sentAtTerm, "chat went on after SIGTERM");
            secretsDone.ShouldBeGreaterThan(secretsAtTerm, "secrets went on after SIGTERM");
            connectionNotes.ShouldNotBeEmpty("the live connections were on the draining node and moved");
            arrived.ShouldBe(sent, "every message once, in order");
            bob.History(alice.Username, 100_000).Select(m => m.Text).ShouldBe(["warm-up", .. sent]);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
