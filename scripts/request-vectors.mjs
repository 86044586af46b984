// Generates docs/request-format-vectors.json: docs/request-format.md implemented on Node's crypto
// key objects, HKDF and ciphers (OpenSSL), written separately from the browser's WebCrypto module
// (web/src/format/request.ts) and the CLI's NSec code, which are both checked against its output.
//
//   node scripts/request-vectors.mjs > docs/request-format-vectors.json
//
// Every "random" input is fixed (SHA-256 of a label); the output is deterministic.
import { createCipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, hkdfSync } from 'node:crypto';

const b64u = (b) => Buffer.from(b).toString('base64url');
const sha256 = (b) => createHash('sha256').update(b).digest();
const fixed = (label, n) => sha256(Buffer.from(label)).subarray(0, n);
const hkdf = (ikm, salt, info) => Buffer.from(hkdfSync('sha256', ikm, Buffer.from(salt), info, 32));
const pattern = (length, seed) => Buffer.from(Array.from({ length }, (_, j) => (seed + 31 * j) % 251));

// X25519 through PKCS#8 / SPKI wrappers of the raw keys (RFC 8410).
const privateKey = (raw) => createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), raw]), format: 'der', type: 'pkcs8' });
const publicKey = (raw) => createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), raw]), format: 'der', type: 'spki' });
const publicOf = (raw) => Buffer.from(createPublicKey(privateKey(raw)).export({ format: 'jwk' }).x, 'base64url');
const x25519 = (priv, pub) => diffieHellman({ privateKey: privateKey(priv), publicKey: publicKey(pub) });

const REQUEST = 'parley/request/v1';
const SECRET = 'parley/secret/v1';

function gcm(key, nonce, aad, plain) {
  const c = createCipheriv('aes-256-gcm', key, nonce);
  if (aad) c.setAAD(aad);
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

function sealStream(fk, prefix, plain) {
  const n = Math.max(1, Math.ceil(plain.length / 65536));
  const parts = [Buffer.concat([Buffer.from([1]), prefix])];
  for (let i = 0; i < n; i++) {
    const nonce = Buffer.alloc(12);
    prefix.copy(nonce);
    nonce.writeUInt32BE(i, 7);
    nonce[11] = i === n - 1 ? 1 : 0;
    parts.push(gcm(fk, nonce, null, plain.subarray(i * 65536, (i + 1) * 65536)));
  }
  return Buffer.concat(parts);
}

function makeCase(name, text, files) {
  const a = fixed(`${name}/a`, 32);
  const e = fixed(`${name}/e`, 32);
  const A = publicOf(a);
  const E = publicOf(e);
  const RT = hkdf(a, REQUEST, Buffer.from('token'));
  const ST = hkdf(A, REQUEST, Buffer.from('send-token'));
  const Z = x25519(e, A);
  const Zr = x25519(a, E);
  if (!Z.equals(Zr)) throw new Error('X25519 disagrees');
  const K = hkdf(Z, REQUEST, Buffer.concat([Buffer.from('link-key'), E, A]));
  const AK = hkdf(K, SECRET, Buffer.from('access'));
  const MK = hkdf(K, SECRET, Buffer.from('manifest'));
  const FK = hkdf(K, SECRET, Buffer.from('files'));
  const contents = files.map((f) => ('utf8' in f.content ? Buffer.from(f.content.utf8) : pattern(f.content.pattern.length, f.content.pattern.seed)));
  const json = JSON.stringify({ v: 1, text, files: files.map((f, i) => ({ name: f.name, size: contents[i].length, type: f.type })) });
  const padded = Buffer.alloc(Math.ceil(Buffer.byteLength(json) / 256) * 256);
  padded.write(json);
  const nonce = fixed(`${name}/nonce`, 12);
  const sealed = Buffer.concat([Buffer.from([1]), nonce, gcm(MK, nonce, Buffer.from(`${SECRET}/manifest`), padded)]);
  const prefix = fixed(`${name}/prefix`, 7);
  const stream = files.length > 0 ? sealStream(FK, prefix, Buffer.concat(contents)) : null;
  const id = b64u(fixed(`${name}/id`, 16));
  const server = 'https://parley.example.org';
  return {
    name,
    inputs: { a: b64u(a), e: b64u(e), id, server, text, files, manifestNonce: b64u(nonce), streamPrefix: files.length > 0 ? b64u(prefix) : null },
    derived: {
      A: b64u(A),
      RT: b64u(RT),
      tokenVerifier: b64u(sha256(RT)),
      ST: b64u(ST),
      sendVerifier: b64u(sha256(ST)),
      E: b64u(E),
      Z: b64u(Z),
      K: b64u(K),
      AK: b64u(AK),
      accessVerifier: b64u(sha256(AK)),
      MK: b64u(MK),
      FK: b64u(FK),
    },
    manifest: { json, sealed: b64u(sealed) },
    stream: stream ? { length: stream.length, sha256: sha256(stream).toString('hex') } : null,
    links: { send: `${server}/r/${id}#${b64u(A)}`, private: `${server}/r/${id}/answer#${b64u(a)}` },
  };
}

const zero = Buffer.alloc(32);
const one = Buffer.concat([Buffer.from([1]), Buffer.alloc(31)]);
const damaged = [
  'https://parley.example.org/r/AAAAAAAAAAAAAAAAAAAAAA',
  'https://parley.example.org/r/AAAAAAAAAAAAAAAAAAAAAA#AAAA',
  'https://parley.example.org/r/AAAAAAAAAAAAAAAAAAAAAA/#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'https://parley.example.org/r/AAAAAAAAAAAAAAAAAAAAAA/answer/#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'https://parley.example.org/r/AAAAAAAAAAAAAAAAAAAAAA?x#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'https://parley.example.org/r/AAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB',
  'https://parley.example.org/r/AAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
];

const vectors = {
  description:
    'Test vectors for docs/request-format.md (request-a-secret format v1). Generated by scripts/request-vectors.mjs on Node crypto key objects. ' +
    'Binary values are base64url without padding; *sha256 values are hex. File content {"pattern":{"length":L,"seed":s}} means byte j = (s + 31*j) mod 251.',
  generator: 'scripts/request-vectors.mjs',
  cases: [
    makeCase('text answer', 'the staging database password is 9f!Qx', []),
    makeCase('text and files', 'Grüße — files attached', [
      { name: 'id-card.jpg', type: 'image/jpeg', content: { pattern: { length: 70000, seed: 7 } } },
      { name: 'notes.txt', type: 'text/plain', content: { utf8: 'two\nlines' } },
    ]),
  ],
  lowOrderPublicKeys: [b64u(zero), b64u(one)],
  damagedLinks: damaged,
};
process.stdout.write(JSON.stringify(vectors, null, 2) + '\n');
