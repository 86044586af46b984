using System.Collections.Concurrent;
using System.Security.Cryptography;
using Parley.Client.Messaging;
using Parley.Client.Secrets.Api;
using Parley.Contracts;
using Parley.Contracts.Secrets;

namespace Parley.Messaging.Tests.Support;

/// <summary>
/// A secrets run and a relay run that go on while a fault test breaks a dependency and mends it. The
/// secrets run creates single-view secrets and opens each twice at once (two readers racing for the one
/// view); the relay run sends from one user to another (socket and REST) while the recipient's live
/// socket receives and acknowledges. It records what the server answered and every failure that was not
/// a clean refusal (a problem of type <c>node-unavailable</c> or <c>storage-full</c>): a 500, a hang, a
/// closed socket, a malformed answer.
/// </summary>
internal sealed class FaultRun : IAsyncDisposable
{
    private static readonly TimeSpan CallLimit = TimeSpan.FromSeconds(30);
    private readonly CancellationTokenSource _stop = new();
    private readonly SecretsApi _secrets;
    private readonly TestUser _sender;
    private readonly TestUser _recipient;
    private readonly RelayClient _senderSocket;
    private readonly RelayClient _recipientSocket;
    private readonly List<Task> _loops = [];
    private readonly ConcurrentDictionary<string, string> _keys = new(); // secret id → access key

    private FaultRun(Uri secretsNode, TestUser sender, TestUser recipient, RelayClient senderSocket, RelayClient recipientSocket)
    {
        _secrets = new SecretsApi(secretsNode.ToString());
        _sender = sender;
        _recipient = recipient;
        _senderSocket = senderSocket;
        _recipientSocket = recipientSocket;
    }

    /// <summary>Secrets that were created (201), and how many opens of each answered 200.</summary>
    public ConcurrentDictionary<string, int> Opens { get; } = new();

    /// <summary>Envelope ids whose send the server acknowledged.</summary>
    public ConcurrentDictionary<long, byte> Acknowledged { get; } = new();

    /// <summary>Envelope ids the recipient's socket received.</summary>
    public ConcurrentDictionary<long, byte> Received { get; } = new();

    /// <summary>Requests the server refused cleanly, by problem type.</summary>
    public ConcurrentDictionary<string, int> CleanRefusals { get; } = new();

    /// <summary>Every failure that was not a clean refusal.</summary>
    public ConcurrentQueue<string> Unclean { get; } = new();

    /// <summary>Answered writes so far (creates, opens, sends): grows while the server works.</summary>
    public int Successes => Opens.Count + Opens.Values.Sum() + Acknowledged.Count;

    /// <summary>Starts both runs: the sender's socket on <paramref name="senderNode"/>, the recipient's on <paramref name="recipientNode"/>.</summary>
    public static async Task<FaultRun> StartAsync(Uri senderNode, Uri recipientNode)
    {
        var sender = await TestUser.CreateAsync(senderNode);
        var recipient = await TestUser.CreateAsync(recipientNode);
        var run = new FaultRun(senderNode, sender, recipient, await sender.ConnectAsync(), await recipient.ConnectAsync());
        run._loops.Add(Task.Run(run.SecretsLoopAsync));
        run._loops.Add(Task.Run(run.SendLoopAsync));
        run._loops.Add(Task.Run(run.ReceiveLoopAsync));
        return run;
    }

    /// <summary>Waits until the runs have had <paramref name="count"/> clean refusals (the fault is felt).</summary>
    public Task WaitForRefusalsAsync(int count) =>
        WaitUntilAsync(() => CleanRefusals.Values.Sum() >= count, $"{count} clean refusals");

    /// <summary>Waits until <paramref name="count"/> more writes were answered than <paramref name="since"/> (the server works again).</summary>
    public Task WaitForSuccessesAsync(int since, int count) =>
        WaitUntilAsync(() => Successes >= since + count, $"{count} more answered writes");

    /// <summary>Stops sending and waits until the recipient's socket has every acknowledged envelope.</summary>
    public async Task StopAndDrainAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops[0], _loops[1]);
        await WaitUntilAsync(() => Acknowledged.Keys.All(Received.ContainsKey),
            "every acknowledged envelope at the recipient's socket", TimeSpan.FromSeconds(30));
        _recipientSocket.State.ShouldBe(RelayClientState.Connected, "the recipient's socket stayed open throughout");
    }

    /// <summary>Every secret with an answered open answers already-opened now: no view was handed out twice.</summary>
    public async Task ShouldHaveOpenedEverySecretAtMostOnceAsync()
    {
        Opens.Values.ShouldAllBe(n => n <= 1, "a single-view secret was opened twice");
        foreach (var (id, _) in Opens.Where(o => o.Value == 1))
        {
            var again = await Should.ThrowAsync<SecretsApiException>(() => _secrets.OpenAsync(id, new OpenSecretRequest(KeyOf(id), null)));
            again.Failure.ShouldBe(ApiFailure.AlreadyOpened);
        }
    }

    private string KeyOf(string id) => _keys[id];

    private async Task SecretsLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var key = RandomNumberGenerator.GetBytes(32);
            var manifest = RandomNumberGenerator.GetBytes(285);
            manifest[0] = 1;
            var request = new CreateSecretRequest(B64(manifest), B64(SHA256.HashData(key)), null, 3600, 1, null);
            var (answered, created) = await AttemptAsync(() => _secrets.CreateAsync(request).WaitAsync(CallLimit));
            if (!answered)
            {
                await Task.Delay(20);
                continue;
            }

            _keys[created.Id] = B64(key);
            Opens[created.Id] = 0;
            var open = new OpenSecretRequest(B64(key), null);
            await Task.WhenAll(Enumerable.Range(0, 2).Select(async _ =>
            {
                try
                {
                    await _secrets.OpenAsync(created.Id, open).WaitAsync(CallLimit);
                    Opens.AddOrUpdate(created.Id, 1, (_, n) => n + 1);
                }
                catch (SecretsApiException e) when (e.Failure == ApiFailure.AlreadyOpened)
                {
                    // the other reader won the view
                }
                catch (Exception e)
                {
                    Refused(e);
                }
            }));
        }
    }

    private async Task SendLoopAsync()
    {
        for (var n = 0; !_stop.IsCancellationRequested; n++)
        {
            var content = BitConverter.GetBytes(n);
            var (answered, id) = await AttemptAsync(async () => n % 2 == 0
                ? (await _senderSocket.SendAsync(_recipient.Name, 2, content).WaitAsync(CallLimit)).Id
                : (await _sender.Api.SendAsync(_recipient.Name, 2, content).WaitAsync(CallLimit)).Id);
            if (answered)
            {
                Acknowledged[id] = 0;
            }

            await Task.Delay(10);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (await _recipientSocket.Envelopes.WaitToReadAsync())
            {
                var ids = new List<long>();
                while (_recipientSocket.Envelopes.TryRead(out var envelope))
                {
                    Received[envelope.Id] = 0;
                    ids.Add(envelope.Id);
                }

                // An acknowledgement the server refuses leaves the envelopes queued: harmless here.
                await AttemptAsync(() => _recipientSocket.AckAsync(ids).WaitAsync(CallLimit));
            }
        }
        catch (Exception e) when (e is MessagingApiException or ObjectDisposedException)
        {
            Unclean.Enqueue("the recipient's socket closed: " + e.Message);
        }
    }

    /// <summary>Runs a call; whether it was answered, and its answer. A failure is recorded as a clean refusal or not.</summary>
    private async Task<(bool Answered, T Value)> AttemptAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return (true, await call());
        }
        catch (Exception e)
        {
            Refused(e);
            return (false, default!);
        }
    }

    private void Refused(Exception e)
    {
        var type = e switch
        {
            SecretsApiException s when s.Status == 503 => s.ProblemType,
            MessagingApiException m when m.Status is 0 or 503 => m.Type,
            _ => null,
        };
        if (type is ProblemTypes.NodeUnavailable or ProblemTypes.StorageFull)
        {
            CleanRefusals.AddOrUpdate(type, 1, (_, n) => n + 1);
        }
        else
        {
            Unclean.Enqueue($"{e.GetType().Name}: {e.Message}");
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited in vain for {what}.");
            }

            await Task.Delay(50);
        }
    }

    private static string B64(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_loops[0], _loops[1]).WaitAsync(TimeSpan.FromSeconds(40));
        }
        catch (TimeoutException)
        {
        }

        await _sender.DisposeAsync();
        await _recipient.DisposeAsync();
        _secrets.Dispose();
        _stop.Dispose();
    }
}
