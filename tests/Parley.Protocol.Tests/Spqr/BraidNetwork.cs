using Parley.Protocol.Spqr;
using Parley.Protocol.Tests.Support;

namespace Parley.Protocol.Tests.Spqr;

/// <summary>
/// Two SPQR parties (A2B and B2A) and the messages in flight between them: sends, deliveries in a
/// bounded random order, losses and repeats. Every delivery must give the receiver the key the sender
/// used; a repeat must be refused and leave the receiver's state as it was.
/// </summary>
internal sealed class BraidNetwork
{
    private readonly Random _random;
    private readonly DeterministicRandom _entropy;
    private readonly List<(byte[] Message, byte[]? Key)>[] _inFlight = [[], []];
    private readonly List<byte[]>[] _delivered = [[], []];

    public BraidNetwork(int seed, byte[]? authKey = null)
    {
        _random = new Random(seed);
        _entropy = new DeterministicRandom($"braid-{seed}");
        authKey ??= Enumerable.Repeat((byte)seed, 32).ToArray();
        Parties = [SpqrState.Create(authKey, SpqrDirection.A2B, false), SpqrState.Create(authKey, SpqrDirection.B2A, false)];
    }

    /// <summary>[0] is A2B, [1] is B2A.</summary>
    public SpqrState[] Parties { get; }

    public int Delivered { get; private set; }

    public double DropRate { get; init; }

    public double RepeatRate { get; init; }

    /// <summary>How far out of order a delivery may be (1: in order).</summary>
    public int Window { get; init; } = 1;

    public SpqrSend Send(int from)
    {
        var sent = Parties[from].Send(_entropy);
        Parties[from] = sent.State;
        if (_random.NextDouble() >= DropRate)
        {
            _inFlight[from].Add((sent.Message, sent.Key));
        }

        return sent;
    }

    /// <summary>Delivers up to <paramref name="count"/> of <paramref name="from"/>'s messages to the other party.</summary>
    public void Deliver(int from, int count = int.MaxValue)
    {
        var to = 1 - from;
        var queue = _inFlight[from];
        for (var n = 0; n < count && queue.Count > 0; n++)
        {
            var pick = _random.Next(Math.Min(Window, queue.Count));
            var (message, key) = queue[pick];
            queue.RemoveAt(pick);
            var received = Parties[to].Receive(message);
            received.Key.ShouldBe(key);
            Parties[to] = received.State;
            Delivered++;
            _delivered[from].Add(message);
            if (_random.NextDouble() < RepeatRate)
            {
                var before = Parties[to];
                var repeat = _delivered[from][_random.Next(_delivered[from].Count)];
                Should.Throw<ProtocolFailureException>(() => before.Receive(repeat));
            }
        }
    }

    /// <summary>Strict alternation: one message from A, delivered, one from B, delivered.</summary>
    public void LockStep(int rounds)
    {
        for (var i = 0; i < rounds; i++)
        {
            Send(0);
            Deliver(0);
            Send(1);
            Deliver(1);
        }
    }
}
