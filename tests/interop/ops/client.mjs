// A libsignal 0.103 client of the Parley server: it registers, logs in, sends and receives 1:1 text
// messages over the server's REST API (docs/messaging-api.md) exactly as a Parley client would, so a
// test can put it on one end of a conversation and the real `parley` CLI on the other. All keys are
// made and used by libsignal; its stores live in memory for the harness's lifetime.
import { randomBytes, randomInt } from 'node:crypto';
import * as signal from '@signalapp/libsignal-client';
import { Stores, decryptOne } from './protocol.mjs';

const DEVICE_ID = 1; // every Parley account has exactly one device
const PADDING_BLOCK = 160; // MessageContent.PaddingBlock
const clients = new Map();

// The server speaks base64url without padding; libsignal wants a Uint8Array over its own buffer.
const b64u = (data) => Buffer.from(data).toString('base64url');
const fromB64u = (text) => new Uint8Array(Buffer.from(text, 'base64url'));

function client(name) {
  const c = clients.get(name);
  if (!c) throw new Error(`unknown client ${name}`);
  return c;
}

// LoginMessage (Parley.Contracts): label ‖ lp(serverName) ‖ lp(username) ‖ tail, lp = 2-byte big-endian length ‖ UTF-8.
function signedMessage(label, serverName, username, tail) {
  const lp = (text) => {
    const utf8 = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(utf8.length);
    return [length, utf8];
  };
  return new Uint8Array(Buffer.concat([Buffer.from(label, 'ascii'), ...lp(serverName), ...lp(username), Buffer.from(tail)]));
}

async function call(c, method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (c.token) headers.authorization = `Bearer ${c.token}`;
  const response = await fetch(new URL(path, c.server), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw Object.assign(new Error(`${method} ${path}: ${response.status} ${text}`), { code: `Http${response.status}` });
  return text ? JSON.parse(text) : {};
}

// What a Parley client puts inside a 1:1 ciphertext (MessageContent.Encode): UTF-8 JSON, then 0x80
// and zeros up to the next multiple of 160 bytes, so short texts all look the same size.
function encodeContent(text) {
  const id = b64u(randomBytes(16));
  const json = Buffer.from(JSON.stringify({ v: 1, id, at: Date.now(), kind: 'text', text }), 'utf8');
  const padded = new Uint8Array((Math.floor(json.length / PADDING_BLOCK) + 1) * PADDING_BLOCK);
  padded.set(json);
  padded[json.length] = 0x80;
  return { id, padded };
}

// The reverse, refusing anything a Parley client would refuse as "not a Parley message".
function decodeContent(padded) {
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0 || padded[end] !== 0x80) throw new Error('bad padding');
  const content = JSON.parse(Buffer.from(padded.subarray(0, end)).toString('utf8'));
  if (content.v !== 1 || typeof content.id !== 'string' || fromB64u(content.id).length !== 16 || content.kind !== 'text' || typeof content.text !== 'string') {
    throw new Error(`not a Parley text message: ${JSON.stringify(content)}`);
  }
  return content;
}

// A Whisper message's chain counter: it restarts at 0 on every DH ratchet step, so tests can see the
// ratchet turn. PreKey messages do not expose their inner message in libsignal's Node API.
const counterOf = (type, serialized) =>
  type === signal.CiphertextMessageType.Whisper ? signal.SignalMessage.deserialize(serialized).counter() : null;

async function login(c) {
  c.token = null;
  const challenge = await call(c, 'POST', '/api/auth/challenge', { username: c.username });
  // The client signs the authority it connected to, never the name the challenge claims.
  const message = signedMessage('Parley login v1', c.serverName, c.username, fromB64u(challenge.nonce));
  const { token } = await call(c, 'POST', '/api/auth/login', { username: c.username, nonce: challenge.nonce, signature: b64u(c.identity.privateKey.sign(message)) });
  c.token = token;
}

export const ops = {
  // A new identity with a signed prekey, a Kyber last-resort prekey and `oneTime` one-time EC and
  // Kyber prekeys, all kept in libsignal stores and uploaded with the registration; then logs in.
  'client.register': async ({ name, server, username, oneTime = 3 }) => {
    const identity = signal.IdentityKeyPair.generate();
    const registrationId = randomInt(1, 16381); // libsignal's 14 bits, as the server requires
    const stores = new Stores(identity, registrationId);
    const now = Date.now();
    const signed = (publicKey) => identity.privateKey.sign(publicKey.serialize());

    const signedKey = signal.PrivateKey.generate();
    const signedSignature = signed(signedKey.getPublicKey());
    stores.signedPreKeys.set(1, signal.SignedPreKeyRecord.new(1, now, signedKey.getPublicKey(), signedKey, signedSignature).serialize());

    // Kyber ids share one store: the last-resort key is 1, one-time keys follow it.
    const kyberKey = (id) => {
      const pair = signal.KEMKeyPair.generate();
      const signature = signed(pair.getPublicKey());
      stores.kyberPreKeys.set(id, signal.KyberPreKeyRecord.new(id, now, pair, signature).serialize());
      return { id, publicKey: b64u(pair.getPublicKey().serialize()), signature: b64u(signature) };
    };
    const lastResort = kyberKey(1);
    stores.lastResortKyber.add(1);
    const kyberPreKeys = Array.from({ length: oneTime }, (_, i) => kyberKey(i + 2));
    const preKeys = Array.from({ length: oneTime }, (_, i) => {
      const key = signal.PrivateKey.generate();
      stores.preKeys.set(i + 1, signal.PreKeyRecord.new(i + 1, key.getPublicKey(), key).serialize());
      return { id: i + 1, publicKey: b64u(key.getPublicKey().serialize()) };
    });

    const c = { server, serverName: new URL(server).host, username: username.toLowerCase(), identity, stores, token: null, seen: new Set() };
    c.address = signal.ProtocolAddress.new(c.username, DEVICE_ID);
    const identityKey = identity.publicKey.serialize();
    const account = await call(c, 'POST', '/api/accounts', {
      username,
      identityKey: b64u(identityKey),
      registrationId,
      proof: b64u(identity.privateKey.sign(signedMessage('Parley register v1', c.serverName, c.username, identityKey))),
      signedPreKey: { id: 1, publicKey: b64u(signedKey.getPublicKey().serialize()), signature: b64u(signedSignature) },
      kyberLastResortPreKey: lastResort,
      preKeys,
      kyberPreKeys,
      inviteCode: null,
    });
    clients.set(name, c);
    await login(c);
    return { username: account.username, identityKey: b64u(identityKey), registrationId };
  },

  'client.login': async ({ name }) => {
    await login(client(name));
    return {};
  },

  // One-time prekeys the server still holds for this client.
  'client.keysLeft': async ({ name }) => call(client(name), 'GET', '/api/keys'),

  // Sends each text in order. Without a usable session, the recipient's bundle is fetched and PQXDH
  // run first, so the first messages are PreKey messages until the other side answers.
  'client.send': async ({ name, to, texts }) => {
    const c = client(name);
    const remote = signal.ProtocolAddress.new(to.toLowerCase(), DEVICE_ID);
    const sent = [];
    for (const text of texts) {
      const session = await c.stores.sessionStore.getSession(remote);
      if (!session?.hasCurrentState()) {
        const b = await call(c, 'GET', `/api/keys/${encodeURIComponent(to)}`);
        const bundle = signal.PreKeyBundle.new(
          b.registrationId, b.deviceId, b.preKey?.id ?? null, b.preKey ? signal.PublicKey.deserialize(fromB64u(b.preKey.publicKey)) : null,
          b.signedPreKey.id, signal.PublicKey.deserialize(fromB64u(b.signedPreKey.publicKey)), fromB64u(b.signedPreKey.signature),
          signal.PublicKey.deserialize(fromB64u(b.identityKey)),
          b.kyberPreKey.id, signal.KEMPublicKey.deserialize(fromB64u(b.kyberPreKey.publicKey)), fromB64u(b.kyberPreKey.signature));
        await signal.processPreKeyBundle(bundle, remote, c.address, c.stores.sessionStore, c.stores.identityStore);
      }
      const content = encodeContent(text);
      const message = await signal.signalEncrypt(content.padded, remote, c.address, c.stores.sessionStore, c.stores.identityStore);
      const { id } = await call(c, 'POST', '/api/messages', { to, type: message.type(), content: b64u(message.serialize()) });
      sent.push({ envelopeId: id, id: content.id, type: message.type(), counter: counterOf(message.type(), message.serialize()) });
    }
    return { sent };
  },

  // Reads the whole queue in order, decrypts and decodes each envelope, then acknowledges them (an
  // envelope that cannot be used is reported in `dropped` and acknowledged too, as a Parley client drops it).
  'client.receive': async ({ name }) => {
    const c = client(name);
    const messages = [];
    const dropped = [];
    let after = 0;
    for (;;) {
      const page = await call(c, 'GET', `/api/messages?after=${after}&limit=100`);
      const fresh = page.envelopes.filter((e) => !c.seen.has(e.id)); // delivery is at-least-once
      for (const e of fresh) {
        try {
          if (e.groupId !== null) throw new Error('a group envelope');
          const remote = signal.ProtocolAddress.new(e.sender, DEVICE_ID);
          const body = fromB64u(e.content);
          const plaintext = await decryptOne(c, remote, e.type, Buffer.from(body).toString('base64'));
          const content = decodeContent(plaintext);
          messages.push({
            envelopeId: e.id, sender: e.sender, type: e.type, counter: counterOf(e.type, body),
            paddedLength: plaintext.length, id: content.id, at: content.at, text: content.text,
          });
        } catch (error) {
          dropped.push({ envelopeId: e.id, sender: e.sender, type: e.type, error: String(error?.message ?? error) });
        }
        c.seen.add(e.id);
      }
      if (page.envelopes.length > 0) {
        await call(c, 'POST', '/api/messages/ack', { ids: page.envelopes.map((e) => e.id) });
        after = page.envelopes.at(-1).id;
      }
      if (!page.more) break;
    }
    return { messages, dropped };
  },
};
