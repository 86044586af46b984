using System.Security.Cryptography;
using Parley.Crypto;
using Parley.Protocol.Keys;
using Parley.Protocol.Ratchet;
using Parley.Protocol.Spqr;
using Parley.Protocol.Storage;
using Parley.Protocol.Wire;

namespace Parley.Protocol;

/// <summary>
/// 1:1 sessions as libsignal 0.103 runs them: starting one from a <see cref="PreKeyBundle"/> (PQXDH
/// initiator), answering a <see cref="PreKeySignalMessage"/> (responder), and encrypting and decrypting
/// with the Double Ratchet plus SPQR framing. Every operation either succeeds and then writes the
/// stores, or fails with one <see cref="ProtocolFailure"/> and writes nothing.
/// </summary>
/// <remarks>
/// Time and randomness are parameters so that tests are deterministic. Like libsignal, the cipher
/// loads, changes and stores a record per operation: a host serializes operations per remote address.
/// </remarks>
public sealed class SessionCipher
{
    private readonly IProtocolStore _store;
    private readonly ProtocolAddress _local;
    private readonly TimeProvider _time;
    private readonly IRandomSource _random;

    public SessionCipher(IProtocolStore store, ProtocolAddress localAddress, TimeProvider? time = null, IRandomSource? random = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _local = localAddress ?? throw new ArgumentNullException(nameof(localAddress));
        _time = time ?? TimeProvider.System;
        _random = random ?? SystemRandomSource.Instance;
    }

    /// <summary>
    /// Starts a session with <paramref name="remote"/> from its bundle (libsignal
    /// <c>process_prekey_bundle</c>): checks trust and both prekey signatures, runs PQXDH, and stores a
    /// session that sends PreKeySignalMessages until the first reply.
    /// </summary>
    public ProtocolResult ProcessPreKeyBundle(ProtocolAddress remote, PreKeyBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentNullException.ThrowIfNull(bundle);
        bundle.Validate();
        try
        {
            ProcessPreKeyBundleCore(remote, bundle);
            return ProtocolResult.Success;
        }
        catch (ProtocolFailureException e)
        {
            return e.Failure;
        }
    }

    /// <summary>Encrypts <paramref name="plaintext"/> for <paramref name="remote"/> with the current session.</summary>
    public ProtocolResult<CiphertextMessage> Encrypt(ProtocolAddress remote, ReadOnlySpan<byte> plaintext)
    {
        ArgumentNullException.ThrowIfNull(remote);
        try
        {
            return ProtocolResult<CiphertextMessage>.Ok(EncryptCore(remote, plaintext));
        }
        catch (ProtocolFailureException e)
        {
            return ProtocolResult<CiphertextMessage>.Fail(e.Failure);
        }
    }

    /// <summary>Decrypts a message from <paramref name="remote"/>.</summary>
    public ProtocolResult<byte[]> Decrypt(ProtocolAddress remote, CiphertextMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Decrypt(remote, message.Type, message.Serialized);
    }

    /// <summary>
    /// Decrypts a Whisper (<see cref="SignalMessage"/>) or PreKey (<see cref="PreKeySignalMessage"/>)
    /// message from <paramref name="remote"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="type"/> is not a 1:1 message type.</exception>
    public ProtocolResult<byte[]> Decrypt(ProtocolAddress remote, CiphertextMessageType type, ReadOnlySpan<byte> serialized)
    {
        ArgumentNullException.ThrowIfNull(remote);
        try
        {
            return type switch
            {
                CiphertextMessageType.Whisper => ProtocolResult<byte[]>.Ok(DecryptSignalMessage(remote, SignalMessage.Parse(serialized))),
                CiphertextMessageType.PreKey => ProtocolResult<byte[]>.Ok(DecryptPreKeyMessage(remote, serialized)),
                _ => throw new ArgumentException($"{type} messages are not 1:1 session messages.", nameof(type)),
            };
        }
        catch (ProtocolFailureException e)
        {
            return ProtocolResult<byte[]>.Fail(e.Failure);
        }
    }

    private void ProcessPreKeyBundleCore(ProtocolAddress remote, PreKeyBundle bundle)
    {
        if (!_store.IsTrustedIdentity(remote, bundle.IdentityKey, Direction.Sending))
        {
            throw new ProtocolFailureException(ProtocolFailure.UntrustedIdentity, "untrusted identity");
        }

        if (!XEdDsa.Verify(bundle.IdentityKey, bundle.SignedPreKeyPublic.Serialize(), bundle.SignedPreKeySignature)
            || !XEdDsa.Verify(bundle.IdentityKey, bundle.KyberPreKeyPublic.Serialize(), bundle.KyberPreKeySignature))
        {
            throw new ProtocolFailureException(ProtocolFailure.SignatureValidationFailed, "bad prekey signature");
        }

        var record = (_store.LoadSession(remote) ?? SessionRecord.Empty).Copy();
        var identity = _store.GetIdentityKeyPair();
        var selfSession = IsSameAccount(identity.PublicKey, bundle.IdentityKey, remote);

        // The base key's private half is needed for PQXDH only; the sending key lives on in the session.
        using var baseKey = Curve25519PrivateKey.Generate(_random);
        var (keys, kyberCiphertext) = Pqxdh.Initiate(identity.PrivateKey, baseKey, bundle.IdentityKey, bundle.SignedPreKeyPublic, bundle.PreKeyPublic, bundle.KyberPreKeyPublic, _random);
        SessionState state;
        try
        {
            // Alice's first sending chain ratchets against Bob's signed prekey; her receiving chain for
            // that key starts from the PQXDH chain key.
            var sendingKey = Curve25519PrivateKey.Generate(_random);
            var (rootKey, sendingChainKey) = RatchetKdf.CreateChain(keys.RootKey, sendingKey, bundle.SignedPreKeyPublic);
            state = new SessionState
            {
                Version = MessageVersions.Current,
                LocalIdentity = identity.PublicKey,
                RemoteIdentity = bundle.IdentityKey,
                RootKey = rootKey,
                Sender = new SenderChain(sendingKey, sendingChainKey, 0),
                AliceBaseKey = baseKey.PublicKey.Serialize(),
                Spqr = SpqrState.Create(keys.SpqrAuthKey, SpqrDirection.A2B, selfSession),
                SelfSession = selfSession,
                LocalRegistrationId = _store.GetLocalRegistrationId(),
                RemoteRegistrationId = bundle.RegistrationId,
                Pending = new PendingPreKey(bundle.PreKeyId, bundle.SignedPreKeyId, baseKey.PublicKey, (ulong)_time.GetUtcNow().ToUnixTimeSeconds(), bundle.KyberPreKeyId, kyberCiphertext),
            };
            state.ReceiverChains.Add(new ReceiverChain(bundle.SignedPreKeyPublic, keys.ChainKey, 0, []));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keys.RootKey);
            CryptographicOperations.ZeroMemory(keys.SpqrAuthKey);
        }

        _store.SaveIdentity(remote, bundle.IdentityKey);
        record.Promote(state);
        _store.StoreSession(remote, record);
    }

    private CiphertextMessage EncryptCore(ProtocolAddress remote, ReadOnlySpan<byte> plaintext)
    {
        var record = _store.LoadSession(remote);
        var current = record?.Current ?? throw new ProtocolFailureException(ProtocolFailure.SessionNotFound, "no session");
        if (current.Sender is null)
        {
            throw new ProtocolFailureException(ProtocolFailure.InvalidState, "session has no sending chain");
        }

        var state = current.CloneForSending();
        var pending = state.Pending;
        if (pending is not null
            && DateTimeOffset.FromUnixTimeSeconds((long)pending.TimestampSeconds) + SessionLimits.MaxUnacknowledgedSessionAge < _time.GetUtcNow())
        {
            throw new ProtocolFailureException(ProtocolFailure.SessionNotFound, "stale unacknowledged session");
        }

        var sender = state.Sender!;
        var (spqr, pqMessage, pqKey) = state.Spqr.Send(_random);
        state.Spqr = spqr;
        var seed = RatchetKdf.MessageSeed(sender.ChainKey);
        Span<byte> keys = stackalloc byte[80];
        SignalMessage message;
        try
        {
            RatchetKdf.MessageKeys(seed, pqKey, keys);
            using var cipherKey = Aes256Key.Import(keys[..32]);
            var ciphertext = Aes256Cbc.Encrypt(cipherKey, keys[64..80], plaintext);
            var addresses = pending is null ? null : ProtocolAddress.SerializeAddresses(_local, remote);
            message = SignalMessage.Create((byte)state.Version, keys[32..64], addresses, sender.RatchetKey.PublicKey, sender.Index, state.PreviousCounter, ciphertext, state.LocalIdentity, state.RemoteIdentity, pqMessage);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keys);
            CryptographicOperations.ZeroMemory(seed);
            if (pqKey is not null)
            {
                CryptographicOperations.ZeroMemory(pqKey);
            }
        }

        CiphertextMessage result = pending is null
            ? new CiphertextMessage(CiphertextMessageType.Whisper, message.Serialized)
            : new CiphertextMessage(
                CiphertextMessageType.PreKey,
                PreKeySignalMessage.Create((byte)state.Version, state.LocalRegistrationId, pending.PreKeyId, pending.SignedPreKeyId, pending.KyberPreKeyId, pending.KyberCiphertext, pending.BaseKey, state.LocalIdentity, message).Serialized);

        if (!_store.IsTrustedIdentity(remote, state.RemoteIdentity, Direction.Sending))
        {
            throw new ProtocolFailureException(ProtocolFailure.UntrustedIdentity, "untrusted identity");
        }

        _store.SaveIdentity(remote, state.RemoteIdentity);
        state.Sender = sender with { ChainKey = RatchetKdf.NextChainKey(sender.ChainKey), Index = sender.Index + 1 };
        var updated = record.Copy();
        updated.SetCurrent(state);
        _store.StoreSession(remote, updated);
        return result;
    }

    private byte[] DecryptSignalMessage(ProtocolAddress remote, SignalMessage message)
    {
        var record = _store.LoadSession(remote) ?? throw new ProtocolFailureException(ProtocolFailure.SessionNotFound, "no session");
        var updated = record.Copy();
        var plaintext = DecryptFromRecord(updated, remote, message, CiphertextMessageType.Whisper);
        var theirIdentity = updated.Current!.RemoteIdentity;
        if (!_store.IsTrustedIdentity(remote, theirIdentity, Direction.Receiving))
        {
            throw new ProtocolFailureException(ProtocolFailure.UntrustedIdentity, "untrusted identity");
        }

        _store.SaveIdentity(remote, theirIdentity);
        _store.StoreSession(remote, updated);
        return plaintext;
    }

    private byte[] DecryptPreKeyMessage(ProtocolAddress remote, ReadOnlySpan<byte> serialized)
    {
        if (!PreKeySignalMessage.TryParse(serialized, out var message, out var failure))
        {
            throw new ProtocolFailureException(failure, "bad PreKeySignalMessage");
        }

        var record = (_store.LoadSession(remote) ?? SessionRecord.Empty).Copy();
        if (!_store.IsTrustedIdentity(remote, message!.IdentityKey, Direction.Receiving))
        {
            throw new ProtocolFailureException(ProtocolFailure.UntrustedIdentity, "untrusted identity");
        }

        var consumedPreKeys = ProcessPreKey(message, remote, record);
        var plaintext = DecryptFromRecord(record, remote, message.Message, CiphertextMessageType.PreKey);

        _store.SaveIdentity(remote, message.IdentityKey);
        if (consumedPreKeys)
        {
            _store.MarkKyberPreKeyUsed(message.KyberPreKeyId!.Value, message.SignedPreKeyId, message.BaseKey);
            if (message.PreKeyId is { } preKeyId)
            {
                _store.RemovePreKey(preKeyId);
            }
        }

        _store.StoreSession(remote, record);
        return plaintext;
    }

    /// <summary>
    /// The responder half of PQXDH (libsignal <c>process_prekey</c>): reuses the session if this base key
    /// was seen before (a repeated PreKeySignalMessage), otherwise builds Bob's session into
    /// <paramref name="record"/>. Returns true when the message's prekeys were used (and so are to be consumed).
    /// </summary>
    private bool ProcessPreKey(PreKeySignalMessage message, ProtocolAddress remote, SessionRecord record)
    {
        if (record.PromoteMatching(message.MessageVersion, message.BaseKey.Serialize()))
        {
            return false;
        }

        if (message.MessageVersion == MessageVersions.PreKyber)
        {
            throw ProtocolFailureException.InvalidMessage("X3DH no longer supported");
        }

        var signedPreKey = _store.LoadSignedPreKey(message.SignedPreKeyId)
            ?? throw new ProtocolFailureException(ProtocolFailure.InvalidSignedPreKeyId, "unknown signed prekey");
        var kyberPreKey = _store.LoadKyberPreKey(message.KyberPreKeyId!.Value)
            ?? throw new ProtocolFailureException(ProtocolFailure.InvalidKyberPreKeyId, "unknown Kyber prekey");
        PreKeyRecord? oneTimePreKey = null;
        if (message.PreKeyId is { } preKeyId)
        {
            oneTimePreKey = _store.LoadPreKey(preKeyId)
                ?? throw new ProtocolFailureException(ProtocolFailure.InvalidPreKeyId, "unknown one-time prekey");
        }

        var identity = _store.GetIdentityKeyPair();
        var keys = Pqxdh.Accept(identity.PrivateKey, signedPreKey.KeyPair, oneTimePreKey?.KeyPair, kyberPreKey.KeyPair.SecretKey, message.IdentityKey, message.BaseKey, message.KyberCiphertext!);
        var selfSession = IsSameAccount(identity.PublicKey, message.IdentityKey, remote);
        var spqr = SpqrState.Create(keys.SpqrAuthKey, SpqrDirection.B2A, selfSession);
        CryptographicOperations.ZeroMemory(keys.SpqrAuthKey); // stage 1 keeps only the chain made from it

        // Bob sends with his signed prekey as the first ratchet key and the PQXDH chain key.
        var state = new SessionState
        {
            Version = MessageVersions.Current,
            LocalIdentity = identity.PublicKey,
            RemoteIdentity = message.IdentityKey,
            RootKey = keys.RootKey,
            Sender = new SenderChain(signedPreKey.KeyPair, keys.ChainKey, 0),
            AliceBaseKey = message.BaseKey.Serialize(),
            Spqr = spqr,
            SelfSession = selfSession,
            LocalRegistrationId = _store.GetLocalRegistrationId(),
            RemoteRegistrationId = message.RegistrationId,
        };
        record.Promote(state);
        return true;
    }

    /// <summary>
    /// Trial decryption (Sesame, libsignal <c>try_decrypt_from_record</c>): the current session first,
    /// then archived ones (Whisper messages only); an archived session that decrypts becomes current.
    /// <paramref name="record"/> is a private copy and is updated only on success.
    /// </summary>
    private byte[] DecryptFromRecord(SessionRecord record, ProtocolAddress remote, SignalMessage message, CiphertextMessageType originalType)
    {
        if (record.Current is { } current)
        {
            if (current.Version == message.MessageVersion)
            {
                var candidate = current.Clone();
                try
                {
                    var plaintext = DecryptWithState(candidate, remote, message);
                    record.SetCurrent(candidate);
                    return plaintext;
                }
                catch (ProtocolFailureException e) when (e.Failure != ProtocolFailure.DuplicateMessage)
                {
                    if (originalType == CiphertextMessageType.PreKey)
                    {
                        throw ProtocolFailureException.InvalidMessage("decryption failed");
                    }
                }
            }
        }

        for (var i = 0; i < record.Previous.Count; i++)
        {
            var previous = record.Previous[i];
            if (previous.Version != message.MessageVersion)
            {
                continue;
            }

            var candidate = previous.Clone();
            try
            {
                var plaintext = DecryptWithState(candidate, remote, message);
                record.PromotePrevious(i, candidate);
                return plaintext;
            }
            catch (ProtocolFailureException e) when (e.Failure != ProtocolFailure.DuplicateMessage)
            {
                // try the next archived session
            }
        }

        throw ProtocolFailureException.InvalidMessage("decryption failed");
    }

    /// <summary>
    /// The Triple Ratchet decrypt on a private copy of one session: DR chain lookup or DH step, message
    /// key (with skipped keys), SPQR receive, MAC, AES-CBC. Throws on any failure.
    /// </summary>
    private byte[] DecryptWithState(SessionState state, ProtocolAddress remote, SignalMessage message)
    {
        var theirRatchetKey = message.SenderRatchetKey;
        var chain = state.FindReceiverChain(theirRatchetKey) ?? DhRatchetStep(state, theirRatchetKey);
        var seed = ConsumeMessageSeed(state, chain, message.Counter);
        // SPQR runs speculatively: its new state lands in this private copy of the session only.
        var (spqr, pqKey) = state.Spqr.Receive(message.PqRatchet);
        state.Spqr = spqr;

        Span<byte> keys = stackalloc byte[80];
        try
        {
            RatchetKdf.MessageKeys(seed, pqKey ?? default, keys);
            if (!message.VerifyMac(state.RemoteIdentity, state.LocalIdentity, keys[32..64], remote, _local))
            {
                throw ProtocolFailureException.InvalidMessage("MAC verification failed");
            }

            using var cipherKey = Aes256Key.Import(keys[..32]);
            if (!Aes256Cbc.TryDecrypt(cipherKey, keys[64..80], message.Ciphertext, out var plaintext))
            {
                throw ProtocolFailureException.InvalidMessage("failed to decrypt");
            }

            state.Pending = null;
            return plaintext!;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keys);
            CryptographicOperations.ZeroMemory(seed);
            if (pqKey is not null)
            {
                CryptographicOperations.ZeroMemory(pqKey);
            }
        }
    }

    /// <summary>A new receiving chain for the peer's new ratchet key, then a new sending chain (libsignal <c>dh_ratchet_step</c>).</summary>
    private ReceiverChain DhRatchetStep(SessionState state, Curve25519PublicKey theirRatchetKey)
    {
        var sender = state.Sender ?? throw new ProtocolFailureException(ProtocolFailure.InvalidState, "missing sender chain");
        var (rootKey1, receivingChainKey) = RatchetKdf.CreateChain(state.RootKey, sender.RatchetKey, theirRatchetKey);
        var newKey = Curve25519PrivateKey.Generate(_random);
        var (rootKey2, sendingChainKey) = RatchetKdf.CreateChain(rootKey1, newKey, theirRatchetKey);
        CryptographicOperations.ZeroMemory(rootKey1);

        state.PreviousCounter = sender.Index == 0 ? 0 : sender.Index - 1;
        state.RootKey = rootKey2;
        var chain = new ReceiverChain(theirRatchetKey, receivingChainKey, 0, []);
        state.AddReceiverChain(chain);
        state.Sender = new SenderChain(newKey, sendingChainKey, 0);
        return chain;
    }

    /// <summary>The seed for message <paramref name="counter"/> of <paramref name="chain"/> (libsignal <c>consume_message_key</c>).</summary>
    private static byte[] ConsumeMessageSeed(SessionState state, ReceiverChain chain, uint counter)
    {
        if (chain.Index > counter)
        {
            for (var i = 0; i < chain.Skipped.Count; i++)
            {
                if (chain.Skipped[i].Index == counter)
                {
                    var seed = chain.Skipped[i].Seed.ToArray(); // shared with the stored state: hand out a copy
                    chain.Skipped.RemoveAt(i);
                    return seed;
                }
            }

            throw new ProtocolFailureException(ProtocolFailure.DuplicateMessage, "duplicate message");
        }

        var jump = counter - chain.Index;
        if (jump > (uint)state.MaxForwardJumps)
        {
            throw ProtocolFailureException.InvalidMessage("message from too far into the future");
        }

        // Keep the seeds of skipped messages; of all kept, only the newest MaxMessageKeys survive.
        (var next, chain.ChainKey) = RatchetKdf.Consume(chain.ChainKey, chain.Index, counter, SessionLimits.MaxMessageKeys, chain.Skipped);
        chain.Index = counter + 1;
        return next;
    }

    /// <summary>libsignal <c>is_same_account</c>: the same identity key and the same ServiceId.</summary>
    private bool IsSameAccount(Curve25519PublicKey ours, Curve25519PublicKey theirs, ProtocolAddress remote)
    {
        if (ours != theirs)
        {
            return false;
        }

        var a = _local.ServiceIdFixedWidth();
        var b = remote.ServiceIdFixedWidth();
        return a is not null && b is not null && a.AsSpan().SequenceEqual(b);
    }
}
