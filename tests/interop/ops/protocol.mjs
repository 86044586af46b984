// Session, group and safety-number operations: libsignal plays one party with in-memory stores.
import { createHmac, hkdfSync } from 'node:crypto';
import * as signal from '@signalapp/libsignal-client';
import { decodeFields, editNested, encodeFields, put, single } from './proto.mjs';
import { b64, bytes } from './util.mjs';

const addressKey = (address) => `${address.name()}.${address.deviceId()}`;

export class Stores {
  constructor(identity, registrationId) {
    this.identity = identity;
    this.registrationId = registrationId;
    this.sessions = new Map();
    this.identities = new Map();
    this.preKeys = new Map();
    this.lastResortKyber = new Set();
    this.signedPreKeys = new Map();
    this.kyberPreKeys = new Map();
    this.senderKeys = new Map();
    const stores = this;

    // Session records are kept as objects (libsignal hands a new record to every save and never
    // changes one it was given), so the store costs no serialization per message.
    this.sessionStore = new (class extends signal.SessionStore {
      async saveSession(address, record) { stores.sessions.set(addressKey(address), record); }
      async getSession(address) { return stores.sessions.get(addressKey(address)) ?? null; }
      async getExistingSessions(addresses) {
        return addresses.map((a) => {
          const record = stores.sessions.get(addressKey(a));
          if (!record) throw new Error(`no session for ${addressKey(a)}`);
          return record;
        });
      }
    })();

    // Trust on first use, like Parley's InMemoryIdentityKeyStore.
    this.identityStore = new (class extends signal.IdentityKeyStore {
      async getIdentityKey() { return stores.identity.privateKey; }
      async getLocalRegistrationId() { return stores.registrationId; }
      async saveIdentity(address, key) {
        const k = addressKey(address);
        const existing = stores.identities.get(k);
        stores.identities.set(k, key.serialize());
        return existing && Buffer.compare(Buffer.from(existing), Buffer.from(key.serialize())) !== 0
          ? signal.IdentityChange.ReplacedExisting
          : signal.IdentityChange.NewOrUnchanged;
      }
      async isTrustedIdentity(address, key) {
        const existing = stores.identities.get(addressKey(address));
        return !existing || Buffer.compare(Buffer.from(existing), Buffer.from(key.serialize())) === 0;
      }
      async getIdentity(address) {
        const existing = stores.identities.get(addressKey(address));
        return existing ? signal.PublicKey.deserialize(existing) : null;
      }
    })();

    this.preKeyStore = new (class extends signal.PreKeyStore {
      async savePreKey(id, record) { stores.preKeys.set(id, record.serialize()); }
      async getPreKey(id) {
        const bytes = stores.preKeys.get(id);
        if (!bytes) throw new Error(`no prekey ${id}`);
        return signal.PreKeyRecord.deserialize(bytes);
      }
      async removePreKey(id) { stores.preKeys.delete(id); }
    })();

    this.signedPreKeyStore = new (class extends signal.SignedPreKeyStore {
      async saveSignedPreKey(id, record) { stores.signedPreKeys.set(id, record.serialize()); }
      async getSignedPreKey(id) {
        const bytes = stores.signedPreKeys.get(id);
        if (!bytes) throw new Error(`no signed prekey ${id}`);
        return signal.SignedPreKeyRecord.deserialize(bytes);
      }
    })();

    // One-time Kyber prekeys are removed when used, like Parley's InMemoryKyberPreKeyStore.
    this.kyberPreKeyStore = new (class extends signal.KyberPreKeyStore {
      async saveKyberPreKey(id, record) { stores.kyberPreKeys.set(id, record.serialize()); }
      async getKyberPreKey(id) {
        const bytes = stores.kyberPreKeys.get(id);
        if (!bytes) throw new Error(`no kyber prekey ${id}`);
        return signal.KyberPreKeyRecord.deserialize(bytes);
      }
      async markKyberPreKeyUsed(id) { if (!stores.lastResortKyber.has(id)) stores.kyberPreKeys.delete(id); }
    })();

    this.senderKeyStore = new (class extends signal.SenderKeyStore {
      async saveSenderKey(sender, distributionId, record) {
        stores.senderKeys.set(`${addressKey(sender)}/${distributionId}`, record.serialize());
      }
      async getSenderKey(sender, distributionId) {
        const bytes = stores.senderKeys.get(`${addressKey(sender)}/${distributionId}`);
        return bytes ? signal.SenderKeyRecord.deserialize(bytes) : null;
      }
    })();
  }

  snapshot() {
    const hex = (m) => [...m.entries()].sort(([a], [b]) => String(a).localeCompare(String(b)))
      .map(([k, v]) => `${k}:${Buffer.from(v instanceof signal.SessionRecord ? v.serialize() : v).toString('hex')}`);
    return [
      ...hex(this.sessions), ...hex(this.identities), ...hex(this.senderKeys),
      `prekeys ${[...this.preKeys.keys()].sort()}`,
      `signed ${[...this.signedPreKeys.keys()].sort()}`,
      `kyber ${[...this.kyberPreKeys.keys()].sort()}`,
    ].join('\n');
  }
}

const parties = new Map();
let nextPreKeyId = 1;

function party(name) {
  const p = parties.get(name);
  if (!p) throw new Error(`unknown party ${name}`);
  return p;
}

const address = (name, deviceId) => signal.ProtocolAddress.new(name, deviceId ?? 1);

function errorInfo(e) {
  return { code: signal.ErrorCode[e?.code] ?? e?.name ?? 'Error', message: String(e?.message ?? e) };
}

export async function decryptOne(p, remote, type, body) {
  const bytesIn = bytes(body, 'body');
  if (type === signal.CiphertextMessageType.PreKey) {
    return signal.signalDecryptPreKey(signal.PreKeySignalMessage.deserialize(bytesIn), remote, p.address,
      p.stores.sessionStore, p.stores.identityStore, p.stores.preKeyStore, p.stores.signedPreKeyStore, p.stores.kyberPreKeyStore);
  }
  if (type === signal.CiphertextMessageType.Whisper) {
    return signal.signalDecrypt(signal.SignalMessage.deserialize(bytesIn), remote, p.address, p.stores.sessionStore, p.stores.identityStore);
  }
  throw new Error(`not a 1:1 message type: ${type}`);
}

export const ops = {
  // A libsignal device: identity, registration id and stores.
  'party.create': ({ name, deviceId }) => {
    const identity = signal.IdentityKeyPair.generate();
    const registrationId = 1 + Math.floor(Math.random() * 16000);
    parties.set(name, { address: address(name, deviceId), identity, stores: new Stores(identity, registrationId) });
    return { identityKey: b64(identity.publicKey.serialize()), registrationId };
  },

  // A libsignal party as a fixture stored it (tests/vectors/stage1): identity key pair, registration id,
  // session records and peers' identities, each as libsignal serialized it.
  'party.restore': ({ name, deviceId, identityKeyPair, registrationId, sessions = [], identities = [] }) => {
    const identity = signal.IdentityKeyPair.deserialize(bytes(identityKeyPair, 'identityKeyPair'));
    const stores = new Stores(identity, registrationId);
    for (const s of sessions) stores.sessions.set(s.address, signal.SessionRecord.deserialize(bytes(s.record, 'record')));
    for (const i of identities) stores.identities.set(i.address, bytes(i.key, 'key'));
    parties.set(name, { address: address(name, deviceId), identity, stores });
    return { identityKey: b64(identity.publicKey.serialize()), registrationId };
  },

  // Makes and stores prekeys; returns the bundle a server would hand out. A last-resort Kyber
  // prekey stays in the store after use.
  'party.bundle': ({ name, oneTime = true, lastResort = false }) => {
    const p = party(name);
    const id = nextPreKeyId++;
    const now = Date.now();
    const signedKey = signal.PrivateKey.generate();
    const signedSignature = p.identity.privateKey.sign(signedKey.getPublicKey().serialize());
    p.stores.signedPreKeys.set(id, signal.SignedPreKeyRecord.new(id, now, signedKey.getPublicKey(), signedKey, signedSignature).serialize());
    const kyber = signal.KEMKeyPair.generate();
    const kyberSignature = p.identity.privateKey.sign(kyber.getPublicKey().serialize());
    p.stores.kyberPreKeys.set(id, signal.KyberPreKeyRecord.new(id, now, kyber, kyberSignature).serialize());
    if (lastResort) p.stores.lastResortKyber.add(id);
    let preKey = null;
    if (oneTime) {
      preKey = signal.PrivateKey.generate();
      p.stores.preKeys.set(id, signal.PreKeyRecord.new(id, preKey.getPublicKey(), preKey).serialize());
    }
    return {
      registrationId: p.stores.registrationId,
      deviceId: p.address.deviceId(),
      preKeyId: oneTime ? id : null,
      preKey: preKey ? b64(preKey.getPublicKey().serialize()) : null,
      signedPreKeyId: id,
      signedPreKey: b64(signedKey.getPublicKey().serialize()),
      signedPreKeySignature: b64(signedSignature),
      identityKey: b64(p.identity.publicKey.serialize()),
      kyberPreKeyId: id,
      kyberPreKey: b64(kyber.getPublicKey().serialize()),
      kyberPreKeySignature: b64(kyberSignature),
    };
  },

  'party.processBundle': async ({ name, remote, remoteDevice, bundle: b }) => {
    const p = party(name);
    const bundle = signal.PreKeyBundle.new(
      b.registrationId, b.deviceId, b.preKeyId ?? null,
      b.preKey ? signal.PublicKey.deserialize(bytes(b.preKey, 'preKey')) : null,
      b.signedPreKeyId, signal.PublicKey.deserialize(bytes(b.signedPreKey, 'signedPreKey')), bytes(b.signedPreKeySignature, 'signedPreKeySignature'),
      signal.PublicKey.deserialize(bytes(b.identityKey, 'identityKey')),
      b.kyberPreKeyId, signal.KEMPublicKey.deserialize(bytes(b.kyberPreKey, 'kyberPreKey')), bytes(b.kyberPreKeySignature, 'kyberPreKeySignature'));
    await signal.processPreKeyBundle(bundle, address(remote, remoteDevice), p.address, p.stores.sessionStore, p.stores.identityStore);
    return {};
  },

  'party.encrypt': async ({ name, remote, remoteDevice, plaintext }) => {
    const p = party(name);
    const m = await signal.signalEncrypt(bytes(plaintext, 'plaintext'), address(remote, remoteDevice), p.address, p.stores.sessionStore, p.stores.identityStore);
    return { type: m.type(), body: b64(m.serialize()) };
  },

  // Encrypts `count` messages whose plaintexts are `${prefix}${i}` and returns them all.
  'party.encryptMany': async ({ name, remote, remoteDevice, prefix, start = 0, count }) => {
    const p = party(name);
    const out = [];
    for (let i = start; i < start + count; i++) {
      const m = await signal.signalEncrypt(Buffer.from(`${prefix}${i}`), address(remote, remoteDevice), p.address, p.stores.sessionStore, p.stores.identityStore);
      out.push({ index: i, type: m.type(), body: b64(m.serialize()) });
    }
    return { messages: out };
  },

  // Moves libsignal's sending state on as if `count` messages had been encrypted and lost, without
  // encrypting them (a 25,000-message jump would otherwise cost 25,000 encryptions): the Double
  // Ratchet sender chain steps `count` times (CK' = HMAC(CK, 0x02)) and so does SPQR's epoch-0 send
  // chain (spqr chain.rs next_key). The next real encryption then carries the counters it would
  // have had; a wrong edit makes that message undecryptable, so tests that read it check this.
  'party.skipSending': async ({ name, remote, remoteDevice, count }) => {
    const p = party(name);
    const remoteAddress = address(remote, remoteDevice);
    const record = await p.stores.sessionStore.getSession(remoteAddress);
    if (!record) throw new Error('no session');
    const fields = decodeFields(record.serialize());
    editNested(fields, 1, (session) => {
      editNested(session, 6, (senderChain) => editNested(senderChain, 3, (chainKey) => {
        let key = single(chainKey, 2).value;
        for (let i = 0; i < count; i++) key = createHmac('sha256', key).update(Uint8Array.of(0x02)).digest();
        put(chainKey, 1, 0, (single(chainKey, 1)?.value ?? 0n) + BigInt(count));
        put(chainKey, 2, 2, key);
      }));
      const pq = single(session, 15);
      if (!pq) throw new Error('session has no SPQR state');
      const state = decodeFields(pq.value);
      editNested(state, 2, (chain) => {
        const links = chain.filter((f) => f.field === 3);
        if (links.length !== 1 || (single(chain, 2)?.value ?? 0n) !== 0n) throw new Error('SPQR has left epoch 0');
        editNested(chain, 3, (epoch) => editNested(epoch, 1, (send) => {
          const label = Buffer.from('Signal PQ Ratchet V1 Chain Next');
          let ctr = Number(single(send, 1)?.value ?? 0n);
          let next = single(send, 2).value;
          for (let i = 0; i < count; i++) {
            ctr += 1;
            const info = Buffer.alloc(4 + label.length);
            info.writeUInt32BE(ctr, 0);
            label.copy(info, 4);
            next = new Uint8Array(hkdfSync('sha256', next, new Uint8Array(32), info, 64)).subarray(0, 32);
          }
          put(send, 1, 0, BigInt(ctr));
          put(send, 2, 2, next);
        }));
      });
      pq.value = encodeFields(state);
    });
    await p.stores.sessionStore.saveSession(remoteAddress, signal.SessionRecord.deserialize(encodeFields(fields)));
    return {};
  },

  // libsignal's SPQR state for a session, read from its stored record (storage.proto SessionStructure
  // field 15, spqr pq_ratchet.proto PqRatchetState): the braid state's number (V1State.inner_state,
  // 1 KeysUnsampled … 11 Ct2Sampled) and epoch, the authenticator, the ML-KEM keys the state holds, the
  // auth key while version negotiation is open, and the chain's epochs with each direction's counter
  // and next secret. White-box values for Parley's tests; nothing here changes the session.
  'party.spqrState': async ({ name, remote, remoteDevice }) => {
    const p = party(name);
    const record = await p.stores.sessionStore.getSession(address(remote, remoteDevice));
    if (!record) throw new Error('no session');
    const session = decodeFields(single(decodeFields(record.serialize()), 1).value);
    const pq = single(session, 15);
    if (!pq || pq.value.length === 0) return { version: 0 };
    const state = decodeFields(pq.value);
    const out = { version: 1 };
    const negotiation = single(state, 1);
    if (negotiation) out.authKey = b64(single(decodeFields(negotiation.value), 1)?.value ?? new Uint8Array());
    const chain = single(state, 2);
    if (chain) {
      const c = decodeFields(chain.value);
      const direction = (f) => {
        const d = f ? decodeFields(f.value) : [];
        return { ctr: Number(single(d, 1)?.value ?? 0n), next: b64(single(d, 2)?.value ?? new Uint8Array()) };
      };
      out.chain = {
        currentEpoch: Number(single(c, 2)?.value ?? 0n),
        sendEpoch: Number(single(c, 5)?.value ?? 0n),
        nextRoot: b64(single(c, 4)?.value ?? new Uint8Array()),
        links: c.filter((f) => f.field === 3).map((f) => {
          const link = decodeFields(f.value);
          return { send: direction(single(link, 1)), recv: direction(single(link, 2)) };
        }),
      };
    }
    const v1 = single(state, 3);
    if (v1) {
      const inner = decodeFields(v1.value)[0];
      const uc = decodeFields(single(decodeFields(inner.value), 1).value);
      const auth = decodeFields(single(uc, 2).value);
      out.state = inner.field;
      out.epoch = Number(single(uc, 1)?.value ?? 0n);
      out.authRoot = b64(single(auth, 1)?.value ?? new Uint8Array());
      out.authMac = b64(single(auth, 2)?.value ?? new Uint8Array());
      if (inner.field === 2) { // KeysSampled: uc is Unchunked.HeaderSent {epoch, auth, ek, dk}
        out.ek = b64(single(uc, 3).value);
        out.dk = b64(single(uc, 4).value);
      }
    }
    return out;
  },

  'party.decrypt': async ({ name, remote, remoteDevice, type, body }) => {
    const p = party(name);
    const plaintext = await decryptOne(p, address(remote, remoteDevice), type, body);
    return { plaintext: b64(plaintext) };
  },

  // Decrypts each message in turn; every result is either {plaintext} or {error}.
  'party.decryptMany': async ({ name, remote, remoteDevice, messages }) => {
    const p = party(name);
    const remoteAddress = address(remote, remoteDevice);
    const results = [];
    for (const m of messages) {
      try {
        results.push({ plaintext: b64(await decryptOne(p, remoteAddress, m.type, m.body)) });
      } catch (e) {
        results.push({ error: errorInfo(e) });
      }
    }
    return { results };
  },

  'party.snapshot': ({ name }) => ({ snapshot: party(name).stores.snapshot() }),

  'party.identity': ({ name }) => {
    const p = party(name);
    return { identityKey: b64(p.identity.publicKey.serialize()) };
  },

  'group.createDistribution': async ({ name, distributionId }) => {
    const p = party(name);
    const m = await signal.SenderKeyDistributionMessage.create(p.address, distributionId, p.stores.senderKeyStore);
    return { message: b64(m.serialize()) };
  },

  'group.processDistribution': async ({ name, sender, senderDevice, message }) => {
    const p = party(name);
    await signal.processSenderKeyDistributionMessage(address(sender, senderDevice),
      signal.SenderKeyDistributionMessage.deserialize(bytes(message, 'message')), p.stores.senderKeyStore);
    return {};
  },

  'group.encryptMany': async ({ name, distributionId, prefix, start = 0, count }) => {
    const p = party(name);
    const out = [];
    for (let i = start; i < start + count; i++) {
      const m = await signal.groupEncrypt(p.address, distributionId, p.stores.senderKeyStore, Buffer.from(`${prefix}${i}`));
      out.push(b64(m.serialize()));
    }
    return { messages: out };
  },

  'group.decryptMany': async ({ name, sender, senderDevice, messages }) => {
    const p = party(name);
    const results = [];
    for (const m of messages) {
      try {
        results.push({ plaintext: b64(await signal.groupDecrypt(address(sender, senderDevice), p.stores.senderKeyStore, bytes(m, 'message'))) });
      } catch (e) {
        results.push({ error: errorInfo(e) });
      }
    }
    return { results };
  },

  fingerprint: ({ iterations, version, localId, localKey, remoteId, remoteKey }) => {
    const f = signal.Fingerprint.new(iterations, version, bytes(localId, 'localId'), signal.PublicKey.deserialize(bytes(localKey, 'localKey')),
      bytes(remoteId, 'remoteId'), signal.PublicKey.deserialize(bytes(remoteKey, 'remoteKey')));
    return { display: f.displayableFingerprint().toString(), scannable: b64(f.scannableFingerprint().toBuffer()) };
  },

  'fingerprint.compare': ({ ours, theirs }) => {
    try {
      return { match: signal.ScannableFingerprint._fromBuffer(bytes(ours, 'ours')).compare(signal.ScannableFingerprint._fromBuffer(bytes(theirs, 'theirs'))) };
    } catch (e) {
      return { error: errorInfo(e) };
    }
  },
};
