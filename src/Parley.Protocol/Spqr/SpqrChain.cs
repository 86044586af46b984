using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Parley.Protocol.Spqr;

/// <summary>SPQR's direction: the PQXDH initiator (Alice) is A2B, the responder B2A.</summary>
internal enum SpqrDirection
{
    A2B = 0,
    B2A = 1,
}

/// <summary>
/// One direction of one epoch of SPQR's symmetric chain (spqr <c>chain.rs</c>,
/// <c>ChainEpochDirection</c>): a counter, the next chain secret, and for receiving the keys of
/// skipped indices, bounded exactly as spqr bounds them. Mutable: a state copies it before changing it.
/// </summary>
internal sealed class SpqrChainDirection
{
    private static ReadOnlySpan<byte> NextLabel => "Signal PQ Ratchet V1 Chain Next"u8;

    private byte[] _next;
    private readonly List<(uint Index, byte[] Key)> _history;

    public SpqrChainDirection(byte[] next, uint counter = 0, List<(uint, byte[])>? history = null)
    {
        _next = next;
        Counter = counter;
        _history = history ?? [];
    }

    public uint Counter { get; private set; }

    /// <summary>The next chain secret; empty once a send direction of an older epoch was wiped.</summary>
    public ReadOnlySpan<byte> Next => _next;

    public IReadOnlyList<(uint Index, byte[] Key)> History => _history;

    public SpqrChainDirection Clone() => new(_next, Counter, [.. _history]);

    /// <summary>Forgets the chain secret (spqr <c>clear_next</c>): older epochs never send again.</summary>
    public void Wipe() => _next = [];

    /// <summary>The next key of this direction: index counter+1.</summary>
    public (uint Index, byte[] Key) NextKey()
    {
        var key = Step();
        return (Counter, key);
    }

    /// <summary>The key for index <paramref name="at"/>, or an SPQR error (as a protocol failure).</summary>
    public byte[] KeyAt(uint at, uint maxJump, uint maxOutOfOrder)
    {
        if (at == Counter)
        {
            throw Failure("SPQR key already requested");
        }

        if (at < Counter)
        {
            if ((ulong)at + maxOutOfOrder < Counter)
            {
                throw Failure("SPQR key trimmed");
            }

            for (var i = 0; i < _history.Count; i++)
            {
                if (_history[i].Index == at)
                {
                    var found = _history[i].Key.ToArray(); // the array may be shared with an older copy of this state
                    RemoveAt(i);
                    return found;
                }
            }

            throw Failure("SPQR key already requested");
        }

        if (at - Counter > maxJump)
        {
            throw Failure("SPQR key jump too far");
        }

        if ((ulong)at > (ulong)Counter + maxOutOfOrder)
        {
            _history.Clear();
        }

        while (at > Counter + 1)
        {
            var key = Step();
            if ((ulong)Counter + maxOutOfOrder >= at)
            {
                _history.Add((Counter, key));
            }
        }

        var trimSize = (maxOutOfOrder * 11 / 10) + 1;
        if (_history.Count >= trimSize && Counter >= maxOutOfOrder)
        {
            var horizon = Counter - maxOutOfOrder;
            var i = 0;
            while (i < _history.Count)
            {
                if (_history[i].Index < horizon)
                {
                    RemoveAt(i);
                }
                else
                {
                    i++;
                }
            }
        }

        return Step();
    }

    /// <summary>spqr removes by moving the last entry into the hole (the order is not kept).</summary>
    private void RemoveAt(int i)
    {
        _history[i] = _history[^1];
        _history.RemoveAt(_history.Count - 1);
    }

    /// <summary>ctr += 1; next ‖ key = HKDF(salt 0³², next, BE32(ctr) ‖ "Signal PQ Ratchet V1 Chain Next", 64).</summary>
    private byte[] Step()
    {
        if (_next.Length != 32)
        {
            throw new ProtocolFailureException(ProtocolFailure.InvalidState, "SPQR chain direction was wiped");
        }

        Counter++;
        Span<byte> info = stackalloc byte[4 + NextLabel.Length];
        BinaryPrimitives.WriteUInt32BigEndian(info, Counter);
        NextLabel.CopyTo(info[4..]);
        Span<byte> okm = stackalloc byte[64];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _next, okm, default, info);
        _next = okm[..32].ToArray();
        var key = okm[32..].ToArray();
        CryptographicOperations.ZeroMemory(okm);
        return key;
    }

    private static ProtocolFailureException Failure(string detail) => ProtocolFailureException.InvalidMessage(detail);
}

/// <summary>Both directions of one epoch of the chain.</summary>
internal sealed class SpqrChainLink(SpqrChainDirection send, SpqrChainDirection receive)
{
    public SpqrChainDirection Send { get; } = send;

    public SpqrChainDirection Receive { get; } = receive;

    public SpqrChainLink Clone() => new(Send.Clone(), Receive.Clone());
}

/// <summary>
/// SPQR's symmetric chain over epochs (spqr <c>chain.rs</c>, <c>Chain</c>). Epoch 0 comes from the
/// PQXDH auth key, <c>HKDF(salt 0³², authKey, "Signal PQ Ratchet V1 Chain  Start", 96)</c> =
/// nextRoot ‖ A2B ‖ B2A; each braid epoch secret adds one,
/// <c>HKDF(salt nextRoot, secret, "Signal PQ Ratchet V1 Chain Add Epoch", 96)</c>, split the same way.
/// Sending never goes back to an older epoch; when it moves on, links older than one epoch before it
/// are dropped and the kept older links' sending secrets wiped. Mutable: copy with <see cref="Clone"/>.
/// </summary>
internal sealed class SpqrChain
{
    /// <summary>spqr <c>EPOCHS_TO_KEEP_PRIOR_TO_SEND_EPOCH</c>.</summary>
    public const int EpochsKeptBeforeSendEpoch = 1;

    /// <summary>
    /// A bound on stored links for loading: honest runs hold at most four (the send epoch, the one
    /// before it, and the ones the braid has completed since).
    /// </summary>
    public const int MaxLinks = 8;

    private static ReadOnlySpan<byte> StartLabel => "Signal PQ Ratchet V1 Chain  Start"u8; // two spaces, as in spqr

    private static ReadOnlySpan<byte> AddEpochLabel => "Signal PQ Ratchet V1 Chain Add Epoch"u8;

    private readonly List<SpqrChainLink> _links;

    public SpqrChain(SpqrDirection direction, ulong currentEpoch, ulong sendEpoch, List<SpqrChainLink> links, byte[] nextRoot)
    {
        Direction = direction;
        CurrentEpoch = currentEpoch;
        SendEpoch = sendEpoch;
        _links = links;
        NextRoot = nextRoot;
    }

    public SpqrDirection Direction { get; }

    public ulong CurrentEpoch { get; private set; }

    public ulong SendEpoch { get; private set; }

    public IReadOnlyList<SpqrChainLink> Links => _links;

    public byte[] NextRoot { get; private set; }

    public static SpqrChain Create(ReadOnlySpan<byte> authKey, SpqrDirection direction)
    {
        Span<byte> okm = stackalloc byte[96];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, authKey, okm, default, StartLabel);
        var chain = new SpqrChain(direction, 0, 0, [Link(okm, direction)], okm[..32].ToArray());
        CryptographicOperations.ZeroMemory(okm);
        return chain;
    }

    public SpqrChain Clone() => new(Direction, CurrentEpoch, SendEpoch, _links.ConvertAll(l => l.Clone()), NextRoot);

    /// <summary>Adds the braid's secret for epoch current+1 (any other epoch means the stored state is inconsistent).</summary>
    public void AddEpoch(ulong epoch, ReadOnlySpan<byte> secret)
    {
        if (epoch != CurrentEpoch + 1)
        {
            throw new ProtocolFailureException(ProtocolFailure.InvalidState, "SPQR epoch secret out of sequence");
        }

        Span<byte> okm = stackalloc byte[96];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, okm, NextRoot, AddEpochLabel);
        CurrentEpoch = epoch;
        NextRoot = okm[..32].ToArray();
        _links.Add(Link(okm, Direction));
        CryptographicOperations.ZeroMemory(okm);
    }

    /// <summary>The next sending key of <paramref name="epoch"/> and its index.</summary>
    public (uint Index, byte[] Key) SendKey(ulong epoch)
    {
        if (epoch < SendEpoch)
        {
            throw new ProtocolFailureException(ProtocolFailure.InvalidState, "SPQR send epoch decreased");
        }

        var position = LinkPosition(epoch);
        if (epoch != SendEpoch)
        {
            SendEpoch = epoch;
            while (position > EpochsKeptBeforeSendEpoch)
            {
                _links.RemoveAt(0);
                position--;
            }

            for (var i = 0; i < position; i++)
            {
                _links[i].Send.Wipe();
            }
        }

        return _links[position].Send.NextKey();
    }

    /// <summary>The receiving key with index <paramref name="at"/> in <paramref name="epoch"/>.</summary>
    public byte[] ReceiveKey(ulong epoch, uint at, uint maxJump, uint maxOutOfOrder) =>
        _links[LinkPosition(epoch)].Receive.KeyAt(at, maxJump, maxOutOfOrder);

    private int LinkPosition(ulong epoch)
    {
        if (epoch > CurrentEpoch || CurrentEpoch - epoch >= (ulong)_links.Count)
        {
            throw ProtocolFailureException.InvalidMessage("SPQR epoch out of range");
        }

        return _links.Count - 1 - (int)(CurrentEpoch - epoch);
    }

    /// <summary>The A2B chain is okm[32..64] and the B2A chain okm[64..96]; each side sends on its own.</summary>
    private static SpqrChainLink Link(ReadOnlySpan<byte> okm, SpqrDirection direction)
    {
        var a2b = new SpqrChainDirection(okm[32..64].ToArray());
        var b2a = new SpqrChainDirection(okm[64..96].ToArray());
        return direction == SpqrDirection.A2B ? new SpqrChainLink(a2b, b2a) : new SpqrChainLink(b2a, a2b);
    }
}
