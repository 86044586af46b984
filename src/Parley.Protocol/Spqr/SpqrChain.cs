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
/// One direction of SPQR's symmetric chain within an epoch (spqr <c>chain.rs</c>,
/// <c>ChainEpochDirection</c>): a counter, the next chain secret, and for receiving the keys of
/// skipped indices, bounded exactly as spqr bounds them.
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

    public ReadOnlySpan<byte> Next => _next;

    public IReadOnlyList<(uint Index, byte[] Key)> History => _history;

    public SpqrChainDirection Clone() => new(_next, Counter, [.. _history]);

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
                    // spqr removes by moving the last entry into the hole
                    _history[i] = _history[^1];
                    _history.RemoveAt(_history.Count - 1);
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
                    _history[i] = _history[^1];
                    _history.RemoveAt(_history.Count - 1);
                }
                else
                {
                    i++;
                }
            }
        }

        return Step();
    }

    /// <summary>ctr += 1; next ‖ key = HKDF(salt 0³², next, BE32(ctr) ‖ "Signal PQ Ratchet V1 Chain Next", 64).</summary>
    private byte[] Step()
    {
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

/// <summary>
/// SPQR's chain at epoch 0 (the only epoch stage 1 reaches): created from the PQXDH auth key with
/// <c>HKDF(salt 0³², authKey, "Signal PQ Ratchet V1 Chain  Start", 96)</c> = nextRoot ‖ A2B ‖ B2A.
/// </summary>
internal sealed class SpqrChain
{
    private static ReadOnlySpan<byte> StartLabel => "Signal PQ Ratchet V1 Chain  Start"u8; // two spaces, as in spqr

    public SpqrChain(byte[] nextRoot, SpqrChainDirection send, SpqrChainDirection receive)
    {
        NextRoot = nextRoot;
        Send = send;
        Receive = receive;
    }

    /// <summary>Kept for the epoch step a full SPQR would take; unused in stage 1.</summary>
    public byte[] NextRoot { get; }

    public SpqrChainDirection Send { get; }

    public SpqrChainDirection Receive { get; }

    public static SpqrChain Create(ReadOnlySpan<byte> authKey, SpqrDirection direction)
    {
        Span<byte> okm = stackalloc byte[96];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, authKey, okm, default, StartLabel);
        var a2b = okm[32..64].ToArray();
        var b2a = okm[64..96].ToArray();
        var chain = direction == SpqrDirection.A2B
            ? new SpqrChain(okm[..32].ToArray(), new SpqrChainDirection(a2b), new SpqrChainDirection(b2a))
            : new SpqrChain(okm[..32].ToArray(), new SpqrChainDirection(b2a), new SpqrChainDirection(a2b));
        CryptographicOperations.ZeroMemory(okm);
        return chain;
    }

    public SpqrChain Clone() => new(NextRoot, Send.Clone(), Receive.Clone());
}
