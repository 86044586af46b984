using System.Buffers.Binary;
using System.Security.Cryptography;
using Parley.Crypto;
using Parley.Protocol.Ratchet;
using Parley.Protocol.Storage;
using Parley.Protocol.Wire;

namespace Parley.Protocol.Groups;

/// <summary>
/// Sender keys for groups, as libsignal 0.103 does them (<c>group_cipher.rs</c>): each member
/// distributes a chain key and signing key once (inside 1:1 sessions), then encrypts each group message
/// once for everyone. Failures change no store.
/// </summary>
public sealed class GroupCipher
{
    private readonly ISenderKeyStore _store;
    private readonly IRandomSource _random;

    public GroupCipher(ISenderKeyStore store, IRandomSource? random = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _random = random ?? SystemRandomSource.Instance;
    }

    /// <summary>
    /// The distribution message for our own sender key in <paramref name="distributionId"/>, creating
    /// the key (random chain id, chain key and signing key) the first time.
    /// </summary>
    public SenderKeyDistributionMessage CreateDistributionMessage(ProtocolAddress self, Guid distributionId)
    {
        ArgumentNullException.ThrowIfNull(self);
        var record = _store.LoadSenderKey(self, distributionId);
        if (record is null || record.StateCount == 0)
        {
            Span<byte> chainIdBytes = stackalloc byte[4];
            _random.Fill(chainIdBytes);
            var chainId = BinaryPrimitives.ReadUInt32LittleEndian(chainIdBytes) >> 1;
            var chainKey = new byte[32];
            _random.Fill(chainKey);
            var signing = Curve25519PrivateKey.Generate(_random);
            record = SenderKeyRecord.Empty();
            record.AddState(new SenderKeyState(MessageVersions.SenderKey, chainId, 0, chainKey, signing.PublicKey, signing));
            _store.StoreSenderKey(self, distributionId, record);
        }

        var state = record.States[0];
        return SenderKeyDistributionMessage.Create(distributionId, state.ChainId, state.Iteration, state.ChainKey, state.SigningPublic);
    }

    /// <summary>Remembers a member's sender key from their distribution message.</summary>
    public void ProcessDistributionMessage(ProtocolAddress sender, SenderKeyDistributionMessage message)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(message);
        var record = _store.LoadSenderKey(sender, message.DistributionId)?.Clone() ?? SenderKeyRecord.Empty();
        record.AddState(new SenderKeyState(MessageVersions.SenderKey, message.ChainId, message.Iteration, message.ChainKey.ToArray(), message.SigningKey, null));
        _store.StoreSenderKey(sender, message.DistributionId, record);
    }

    /// <summary>Parses and processes a serialized distribution message.</summary>
    public ProtocolResult ProcessDistributionMessage(ProtocolAddress sender, ReadOnlySpan<byte> serialized)
    {
        if (!SenderKeyDistributionMessage.TryParse(serialized, out var message, out var failure))
        {
            return failure;
        }

        ProcessDistributionMessage(sender, message!);
        return ProtocolResult.Success;
    }

    /// <summary>Encrypts <paramref name="plaintext"/> under our sender key; returns the serialized <see cref="SenderKeyMessage"/>.</summary>
    public ProtocolResult<byte[]> Encrypt(ProtocolAddress self, Guid distributionId, ReadOnlySpan<byte> plaintext)
    {
        ArgumentNullException.ThrowIfNull(self);
        var loaded = _store.LoadSenderKey(self, distributionId);
        if (loaded is null || loaded.StateCount == 0)
        {
            return ProtocolResult<byte[]>.Fail(ProtocolFailure.NoSenderKeyState);
        }

        var record = loaded.Clone();
        var state = record.States[0];
        if (state.SigningPrivate is null)
        {
            return ProtocolResult<byte[]>.Fail(ProtocolFailure.InvalidSenderKeySession);
        }

        var seed = RatchetKdf.MessageSeed(state.ChainKey);
        Span<byte> ivAndKey = stackalloc byte[48];
        byte[] ciphertext;
        try
        {
            SenderKeyKdf.MessageKeys(seed, ivAndKey);
            using var cipherKey = Aes256Key.Import(ivAndKey[16..48]);
            ciphertext = Aes256Cbc.Encrypt(cipherKey, ivAndKey[..16], plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ivAndKey);
            CryptographicOperations.ZeroMemory(seed);
        }

        if (state.Iteration == uint.MaxValue)
        {
            return ProtocolResult<byte[]>.Fail(ProtocolFailure.InvalidSenderKeySession);
        }

        var message = SenderKeyMessage.Create(distributionId, state.ChainId, state.Iteration, ciphertext, state.SigningPrivate, _random);
        state.ChainKey = RatchetKdf.NextChainKey(state.ChainKey);
        state.Iteration++;
        _store.StoreSenderKey(self, distributionId, record);
        return ProtocolResult<byte[]>.Ok(message.Serialized);
    }

    /// <summary>Verifies and decrypts a member's <see cref="SenderKeyMessage"/>.</summary>
    public ProtocolResult<byte[]> Decrypt(ProtocolAddress sender, ReadOnlySpan<byte> serialized)
    {
        ArgumentNullException.ThrowIfNull(sender);
        if (!SenderKeyMessage.TryParse(serialized, out var message, out var failure))
        {
            return ProtocolResult<byte[]>.Fail(failure);
        }

        var loaded = _store.LoadSenderKey(sender, message!.DistributionId);
        if (loaded?.ForChain(message.ChainId) is null)
        {
            return ProtocolResult<byte[]>.Fail(ProtocolFailure.NoSenderKeyState);
        }

        var record = loaded.Clone();
        var state = record.ForChain(message.ChainId)!;
        if (state.MessageVersion != MessageVersions.SenderKey)
        {
            return ProtocolResult<byte[]>.Fail(ProtocolFailure.UnrecognizedMessageVersion);
        }

        if (!message.VerifySignature(state.SigningPublic))
        {
            return ProtocolResult<byte[]>.Fail(ProtocolFailure.SignatureValidationFailed);
        }

        byte[] seed;
        try
        {
            seed = ConsumeSeed(state, message.Iteration);
        }
        catch (ProtocolFailureException e)
        {
            return ProtocolResult<byte[]>.Fail(e.Failure);
        }

        Span<byte> ivAndKey = stackalloc byte[48];
        byte[]? plaintext;
        try
        {
            SenderKeyKdf.MessageKeys(seed, ivAndKey);
            using var cipherKey = Aes256Key.Import(ivAndKey[16..48]);
            if (!Aes256Cbc.TryDecrypt(cipherKey, ivAndKey[..16], message.Ciphertext, out plaintext))
            {
                return ProtocolResult<byte[]>.Fail(ProtocolFailure.InvalidMessage);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ivAndKey);
            CryptographicOperations.ZeroMemory(seed);
        }

        _store.StoreSenderKey(sender, message.DistributionId, record);
        return ProtocolResult<byte[]>.Ok(plaintext!);
    }

    /// <summary>libsignal <c>get_sender_key</c>: a stored skipped key, or advance (at most 25,000) keeping skipped ones.</summary>
    private static byte[] ConsumeSeed(SenderKeyState state, uint iteration)
    {
        if (state.Iteration > iteration)
        {
            var index = state.Skipped.FindIndex(k => k.Iteration == iteration);
            if (index < 0)
            {
                throw new ProtocolFailureException(ProtocolFailure.DuplicateMessage, "duplicate group message");
            }

            var seed = state.Skipped[index].Seed.ToArray(); // shared with the stored record: hand out a copy
            state.Skipped.RemoveAt(index);
            return seed;
        }

        if (iteration - state.Iteration > SessionLimits.MaxForwardJumps)
        {
            throw ProtocolFailureException.InvalidMessage("group message from too far into the future");
        }

        if (iteration == uint.MaxValue)
        {
            throw new ProtocolFailureException(ProtocolFailure.InvalidSenderKeySession, "sender chain is too long");
        }

        (var next, state.ChainKey) = RatchetKdf.Consume(state.ChainKey, state.Iteration, iteration, SessionLimits.MaxMessageKeys, state.Skipped);
        state.Iteration = iteration + 1;
        return next;
    }
}
