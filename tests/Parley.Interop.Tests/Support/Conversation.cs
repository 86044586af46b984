using Parley.Protocol;

namespace Parley.Interop.Tests.Support;

/// <summary>
/// Two peers talking over a hostile network: bursts in both directions (so the DH ratchet turns both
/// ways), or strict alternation, with messages reordered, dropped, duplicated and delivered late. Checks that every message
/// delivered decrypts exactly once and every repeat is refused as a duplicate.
/// </summary>
internal sealed class Conversation(IPeer a, IPeer b, int seed)
{
    private readonly Random _random = new(seed);
    private readonly Dictionary<IPeer, HashSet<string>> _seen = new() { [a] = [], [b] = [] };
    private readonly List<(int Round, IPeer From, IPeer To, Envelope Envelope)> _late = [];
    private readonly List<string> _problems = [];
    private readonly Dictionary<IPeer, int> _sent = new() { [a] = 0, [b] = 0 };
    private readonly Dictionary<IPeer, int> _decrypted = new() { [a] = 0, [b] = 0 };
    private readonly Dictionary<IPeer, int> _dropped = new() { [a] = 0, [b] = 0 };
    private int _round;

    public double DropRate { get; init; } = 0.08;

    public double DuplicateRate { get; init; } = 0.08;

    public double LateRate { get; init; } = 0.08;

    /// <summary>Strict alternation of single messages instead of random bursts from either side.</summary>
    public bool LockStep { get; init; }

    public int Sent(IPeer peer) => _sent[peer];

    public int Decrypted(IPeer peer) => _decrypted[peer];

    /// <summary>Messages <paramref name="sender"/> sent that the network lost.</summary>
    public int DroppedFrom(IPeer sender) => _dropped[sender];

    public int DuplicatesRefused { get; private set; }

    public int Dropped { get; private set; }

    public int LateDelivered { get; private set; }

    /// <summary>Direction changes in which the receiver had new messages: each is a DH ratchet turn.</summary>
    public int Turns { get; private set; }

    public IReadOnlyList<string> Problems => _problems;

    /// <summary>Runs until each side has sent at least <paramref name="messagesEachWay"/> messages.</summary>
    public void Run(int messagesEachWay)
    {
        IPeer? lastSender = null;
        while (_sent[a] < messagesEachWay || _sent[b] < messagesEachWay)
        {
            _round++;
            var from = _sent[a] >= messagesEachWay ? b
                : _sent[b] >= messagesEachWay ? a
                : LockStep ? Other(lastSender ?? b)
                : _random.Next(3) == 0 ? lastSender ?? a : Other(lastSender ?? b);
            var to = Other(from);
            if (from != lastSender)
            {
                Turns++;
            }

            lastSender = from;
            var burst = LockStep ? 1 : _random.Next(1, 7);
            var envelopes = from.EncryptMany(to, $"{from.Address.Name}#", _sent[from], burst);
            _sent[from] += burst;

            var batch = new List<Envelope>();
            foreach (var envelope in envelopes)
            {
                var roll = _random.NextDouble();
                if (roll < DropRate)
                {
                    Dropped++;
                    _dropped[from]++;
                    continue;
                }

                if (roll < DropRate + LateRate)
                {
                    _late.Add((_round + _random.Next(1, 4), from, to, envelope));
                    continue;
                }

                batch.Add(envelope);
                if (roll < DropRate + LateRate + DuplicateRate)
                {
                    batch.Add(envelope);
                }
            }

            // late arrivals due now, for this receiver
            foreach (var item in _late.Where(l => l.Round <= _round && l.To == to).ToList())
            {
                batch.Add(item.Envelope);
                LateDelivered++;
                _late.Remove(item);
            }

            Shuffle(batch);
            Deliver(from, to, batch);
        }

        // flush everything still in flight
        foreach (var group in _late.GroupBy(l => (l.From, l.To)))
        {
            LateDelivered += group.Count();
            Deliver(group.Key.From, group.Key.To, group.Select(g => g.Envelope).ToList());
        }

        _late.Clear();
    }

    private void Deliver(IPeer from, IPeer to, List<Envelope> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        var outcomes = to.DecryptMany(from, batch);
        for (var i = 0; i < batch.Count; i++)
        {
            var expected = batch[i].Plaintext;
            var outcome = outcomes[i];
            if (_seen[to].Add(expected))
            {
                if (outcome.Plaintext != expected)
                {
                    _problems.Add($"round {_round}: {to} could not read first delivery of {expected} ({batch[i].Type}): {outcome}");
                }
                else
                {
                    _decrypted[to]++;
                }
            }
            else if (outcome.Failure != nameof(ProtocolFailure.DuplicateMessage))
            {
                _problems.Add($"round {_round}: {to} repeat of {expected} gave {outcome}, not a duplicate");
            }
            else
            {
                DuplicatesRefused++;
            }
        }
    }

    private IPeer Other(IPeer peer) => peer == a ? b : a;

    private void Shuffle<T>(List<T> items)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = _random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    public override string ToString() =>
        $"{a}: sent {_sent[a]}, read {_decrypted[a]}; {b}: sent {_sent[b]}, read {_decrypted[b]}; turns {Turns}, dropped {Dropped}, late {LateDelivered}, duplicates refused {DuplicatesRefused}";
}
