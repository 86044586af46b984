// Generates docs/secret-format-vectors.json: an implementation of docs/secret-format.md (format v1)
// on Node's built-in WebCrypto, written independently of the C# one in src/Parley.Client, so the C#
// tests check C# against something that is not itself. No packages.
//
//   node scripts/secret-vectors.mjs > docs/secret-format-vectors.json
//   node scripts/secret-vectors.mjs --recipients > docs/secret-format-recipients-vectors.json   (§7, several recipients)
//
// Every "random" input is fixed here; the output is deterministic.
import { webcrypto as crypto } from 'node:crypto';

const subtle = crypto.subtle;
const enc = new TextEncoder();
const LABEL = enc.encode('parley/secret/v1');
const MANIFEST_AAD = enc.encode('parley/secret/v1/manifest');
const WRAP_AAD = enc.encode('parley/secret/v1/wrap');
const CHUNK = 65536;

// ---- encodings -------------------------------------------------------------------------------
const b64u = (bytes) => Buffer.from(bytes).toString('base64url');
const fromB64u = (s) => {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) throw new Error('bad b64u');
  const bytes = new Uint8Array(Buffer.from(s, 'base64url'));
  if (b64u(bytes) !== s) throw new Error('non-canonical b64u');
  return bytes;
};
const hex = (bytes) => Buffer.from(bytes).toString('hex');
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};
// Fixed "random" bytes: SHA-256 of a label, cut to length.
const fixed = async (label, n) => new Uint8Array(await subtle.digest('SHA-256', enc.encode(label))).slice(0, n);
const pattern = (length, seed) => {
  const out = new Uint8Array(length);
  for (let j = 0; j < length; j++) out[j] = (seed + 31 * j) % 251;
  return out;
};

// ---- primitives ------------------------------------------------------------------------------
const sha256 = async (b) => new Uint8Array(await subtle.digest('SHA-256', b));
const hkdf = async (ikm, info) => {
  const key = await subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  return new Uint8Array(await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: LABEL, info: enc.encode(info) }, key, 256));
};
const pbkdf2 = async (pass, salt, iterations) => {
  const key = await subtle.importKey('raw', pass, 'PBKDF2', false, ['deriveBits']);
  return new Uint8Array(await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, 256));
};
const gcm = async (keyBytes, iv, aad, pt) => {
  const key = await subtle.importKey('raw', keyBytes, 'AES-GCM', false, ['encrypt']);
  const params = { name: 'AES-GCM', iv, tagLength: 128 };
  if (aad.length > 0) params.additionalData = aad;
  return new Uint8Array(await subtle.encrypt(params, key, pt));
};

// ---- format ----------------------------------------------------------------------------------
function checkPassphrase(p) {
  if (!p.isWellFormed()) throw new Error('unpaired surrogate');
  const n = p.normalize('NFC');
  const scalars = [...n].length;
  if (scalars < 1 || scalars > 1024) throw new Error('passphrase length');
  return n;
}

async function deriveKeys(K, passphrase, salt, iterations) {
  const out = {};
  let ikm = K;
  if (passphrase !== null) {
    const nfc = checkPassphrase(passphrase);
    out.passphraseBytes = enc.encode(nfc);
    out.S = await pbkdf2(out.passphraseBytes, salt, iterations);
    ikm = concat(K, out.S);
  }
  out.AK = await hkdf(K, 'access');
  out.accessVerifier = await sha256(out.AK);
  out.MK = await hkdf(ikm, 'manifest');
  out.FK = await hkdf(ikm, 'files');
  if (passphrase !== null) {
    out.PP = await hkdf(ikm, 'passphrase');
    out.passphraseVerifier = await sha256(out.PP);
  }
  return out;
}

function manifestJson(text, files) {
  // JSON.stringify is the normative escaping (docs/secret-format.md §2); member order by construction.
  return JSON.stringify({ v: 1, text, files: files.map((f) => ({ name: f.name, size: f.size, type: f.type })) });
}

function pad(bytes) {
  const padded = new Uint8Array(Math.ceil(bytes.length / 256) * 256);
  padded.set(bytes);
  return padded;
}

async function sealStream(FK, prefix, plaintext) {
  const count = Math.max(1, Math.ceil(plaintext.length / CHUNK));
  const chunks = [];
  for (let i = 0; i < count; i++) {
    const last = i === count - 1;
    const nonce = new Uint8Array(12);
    nonce.set(prefix, 0);
    new DataView(nonce.buffer).setUint32(7, i, false);
    nonce[11] = last ? 1 : 0;
    const pt = plaintext.subarray(i * CHUNK, Math.min(plaintext.length, (i + 1) * CHUNK));
    const ct = await gcm(FK, nonce, new Uint8Array(0), pt);
    chunks.push({ index: i, last, nonce, plaintextBytes: pt.length, ct });
  }
  const stream = concat(new Uint8Array([1]), prefix, ...chunks.map((c) => c.ct));
  const expectedLength = 8 + plaintext.length + 16 * count;
  if (stream.length !== expectedLength) throw new Error('length formula');
  return { chunks, stream };
}

// ---- file names (docs/secret-format.md §5) ----------------------------------------------------
const RESERVED = new Set(['CON', 'PRN', 'AUX', 'NUL', ...[...'0123456789'].flatMap((d) => ['COM' + d, 'LPT' + d])]);
const isRemoved = (cp) =>
  cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f) || ':*?"<>|'.includes(String.fromCodePoint(cp)) ||
  (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2064) ||
  (cp >= 0x2066 && cp <= 0x2069) || cp === 0xfeff;
const utf8Len = (s) => enc.encode(s).length;
const trimDotsSpaces = (s) => s.replace(/^[. ]+/, '').replace(/[. ]+$/, '');
function cutTo(s, maxBytes) {
  let out = '';
  for (const ch of s) {
    if (utf8Len(out + ch) > maxBytes) break;
    out += ch;
  }
  return out;
}
function sanitize(name) {
  let s = name.replaceAll('\\', '/');
  s = s.slice(s.lastIndexOf('/') + 1);
  s = s.normalize('NFC');
  s = [...s].filter((ch) => !isRemoved(ch.codePointAt(0))).join('');
  s = trimDotsSpaces(s);
  const dot = s.indexOf('.');
  const stem = dot < 0 ? s : s.slice(0, dot);
  if (RESERVED.has(stem.replace(/[a-z]/g, (c) => c.toUpperCase()))) s = '_' + s;
  if (utf8Len(s) > 255) s = cutTo(s, 255).replace(/[. ]+$/, '');
  return s === '' ? 'file' : s;
}
function numbered(name, n) {
  const suffix = ` (${n})`;
  const dot = name.lastIndexOf('.');
  let [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  if (utf8Len(suffix) + utf8Len(ext) > 255) [stem, ext] = [name, ''];
  const room = 255 - utf8Len(suffix) - utf8Len(ext);
  const cut = utf8Len(stem) > room ? cutTo(stem, room).replace(/[. ]+$/, '') : stem;
  return cut + suffix + ext;
}
const foldAscii = (s) => s.replace(/[a-z]/g, (c) => c.toUpperCase());
function uniqueNames(names) {
  const taken = new Set();
  return names.map((raw) => {
    const base = sanitize(raw);
    let candidate = base;
    for (let n = 2; taken.has(foldAscii(candidate)); n++) candidate = numbered(base, n);
    taken.add(foldAscii(candidate));
    return candidate;
  });
}

// ---- links (docs/secret-format.md §4) ---------------------------------------------------------
function parseLink(text) {
  const s = text.trim();
  const hash = s.indexOf('#');
  if (hash < 0) return { damaged: 'missing fragment' };
  const before = s.slice(0, hash);
  const secret = s.slice(hash + 1);
  const m = /^(.*)\/([sm])\/([A-Za-z0-9_-]{22})$/.exec(before);
  if (!m) return { damaged: 'no /s/{id} or /m/{id} path' };
  const [, server, kind] = m;
  const id = m[3];
  if (/\s/.test(s)) return { damaged: 'whitespace inside' };
  if (!/^https?:\/\/[^/?#@\s]+(\/[^?#\s]*)?$/i.test(server) || server.endsWith('/')) return { damaged: 'server part' };
  let url;
  try { url = new URL(server); } catch { return { damaged: 'server part' }; }
  if (url.username || url.password || url.search || url.hostname === '') return { damaged: 'server part' };
  if (secret.length !== 43) return { damaged: 'fragment length' };
  try { fromB64u(id); fromB64u(secret); } catch (e) { return { damaged: e.message }; }
  return { kind: kind === 's' ? 'share' : 'manage', server, id, secret };
}

// ---- cases -----------------------------------------------------------------------------------
const SERVER = 'https://parley.example.org';
const nonAsciiText = 'Grüße — 秘密 🔑\n"quoted" \\ back\tslash \u0001\u001b\u007f\u2028 </script> & done';

/** The fixed inputs every case has, whatever its recipients. */
async function commonInputs(def) {
  const files = def.files.map((f) => ({
    name: f.name,
    type: f.type,
    content: f.utf8 !== undefined ? { utf8: f.utf8 } : { pattern: f.pattern },
    bytes: f.utf8 !== undefined ? enc.encode(f.utf8) : pattern(f.pattern.length, f.pattern.seed),
  }));
  for (const f of files) f.size = f.bytes.length;
  return {
    salt: def.passphrase === null ? null : await fixed(def.name + '/salt', 16),
    iterations: def.passphrase === null ? null : def.iterations,
    manifestNonce: await fixed(def.name + '/manifest-nonce', 12),
    streamPrefix: def.files.length === 0 ? null : await fixed(def.name + '/stream-prefix', 7),
    manageToken: await fixed(def.name + '/manage-token', 32),
    files,
  };
}

/** §2 and §3 under MK and FK: the manifest and (with files) the stream members of a case. */
async function sealContent(def, c, MK, FK) {
  const json = manifestJson(def.text, c.files);
  const jsonBytes = enc.encode(json);
  const padded = pad(jsonBytes);
  const sealedBody = await gcm(MK, c.manifestNonce, MANIFEST_AAD, padded);
  const sealed = concat(new Uint8Array([1]), c.manifestNonce, sealedBody);
  const manifest = { json, jsonBytes: b64u(jsonBytes), padded: b64u(padded), sealed: b64u(sealed), sealedLength: sealed.length };
  if (c.files.length === 0) return { manifest, stream: null };
  const plaintext = concat(...c.files.map((f) => f.bytes));
  const { chunks, stream } = await sealStream(FK, c.streamPrefix, plaintext);
  return {
    manifest,
    stream: {
      plaintextLength: plaintext.length,
      plaintextSha256: hex(await sha256(plaintext)),
      header: b64u(stream.subarray(0, 8)),
      chunks: await Promise.all(chunks.map(async (ch) => ({
        index: ch.index,
        last: ch.last,
        nonce: b64u(ch.nonce),
        plaintextLength: ch.plaintextBytes,
        ciphertextLength: ch.ct.length,
        tag: b64u(ch.ct.subarray(ch.ct.length - 16)),
        ciphertextSha256: hex(await sha256(ch.ct)),
      }))),
      length: stream.length,
      sha256: hex(await sha256(stream)),
      bytes: b64u(stream),
    },
  };
}

/**
 * §7: one content key C seals the content; each recipient's link key K_i gives AK_i, PP_i and the wrap
 * key WK_i (from K_i ‖ S when there is a passphrase, stretched once), and C is sealed under WK_i with the
 * link's access verifier as additional data.
 */
async function makeRecipientsCase(def) {
  const c = await commonInputs(def);
  const C = await fixed(def.name + '/C', 32);
  const MK = await hkdf(C, 'manifest');
  const FK = await hkdf(C, 'files');
  let S = null;
  let passphraseBytes = null;
  if (def.passphrase !== null) {
    passphraseBytes = enc.encode(checkPassphrase(def.passphrase));
    S = await pbkdf2(passphraseBytes, c.salt, c.iterations);
  }
  const recipients = [];
  for (const [i, label] of def.recipients.entries()) {
    const K = await fixed(`${def.name}/recipient ${i}/K`, 32);
    const wrapNonce = await fixed(`${def.name}/recipient ${i}/wrap-nonce`, 12);
    const id = await fixed(`${def.name}/recipient ${i}/id`, 16);
    const ikm = S === null ? K : concat(K, S);
    const AK = await hkdf(K, 'access');
    const accessVerifier = await sha256(AK);
    const PP = S === null ? null : await hkdf(ikm, 'passphrase');
    const WK = await hkdf(ikm, 'wrap');
    const wrapAad = concat(WRAP_AAD, accessVerifier);
    const wrappedKey = concat(new Uint8Array([1]), wrapNonce, await gcm(WK, wrapNonce, wrapAad, C));
    recipients.push({
      inputs: { label, K: b64u(K), wrapNonce: b64u(wrapNonce), id: b64u(id) },
      derived: {
        AK: b64u(AK),
        accessVerifier: b64u(accessVerifier),
        PP: PP && b64u(PP),
        passphraseVerifier: PP && b64u(await sha256(PP)),
        WK: b64u(WK),
        wrapAad: b64u(wrapAad),
        wrappedKey: b64u(wrappedKey),
      },
      share: `${SERVER}/s/${b64u(id)}#${b64u(K)}`,
    });
  }
  const sealedContent = await sealContent(def, c, MK, FK);
  return {
    name: def.name,
    inputs: {
      C: b64u(C),
      passphrase: def.passphrase,
      salt: c.salt && b64u(c.salt),
      iterations: c.iterations,
      manifestNonce: b64u(c.manifestNonce),
      streamPrefix: c.streamPrefix && b64u(c.streamPrefix),
      text: def.text,
      files: c.files.map((f) => ({ name: f.name, type: f.type, content: f.content })),
      server: SERVER,
      manageToken: b64u(c.manageToken),
      recipients: recipients.map((r) => r.inputs),
    },
    derived: {
      passphraseBytes: passphraseBytes && b64u(passphraseBytes),
      S: S && b64u(S),
      MK: b64u(MK),
      FK: b64u(FK),
      recipients: recipients.map((r) => r.derived),
    },
    ...sealedContent,
    links: {
      share: recipients.map((r) => r.share),
      manage: `${SERVER}/m/${recipients[0].inputs.id}#${b64u(c.manageToken)}`,
    },
  };
}

async function makeCase(def) {
  const K = await fixed(def.name + '/K', 32);
  const { salt, iterations, manifestNonce, streamPrefix, manageToken, files } = await commonInputs(def);
  const id = await fixed(def.name + '/id', 16);

  const keys = await deriveKeys(K, def.passphrase, salt, iterations);
  const { manifest, stream } = await sealContent(def, { files, manifestNonce, streamPrefix }, keys.MK, keys.FK);

  const out = {
    name: def.name,
    inputs: {
      K: b64u(K),
      passphrase: def.passphrase,
      salt: salt && b64u(salt),
      iterations,
      manifestNonce: b64u(manifestNonce),
      streamPrefix: streamPrefix && b64u(streamPrefix),
      text: def.text,
      files: files.map((f) => ({ name: f.name, type: f.type, content: f.content })),
      server: SERVER,
      id: b64u(id),
      manageToken: b64u(manageToken),
    },
    derived: {
      passphraseBytes: keys.passphraseBytes ? b64u(keys.passphraseBytes) : null,
      S: keys.S ? b64u(keys.S) : null,
      AK: b64u(keys.AK),
      accessVerifier: b64u(keys.accessVerifier),
      PP: keys.PP ? b64u(keys.PP) : null,
      passphraseVerifier: keys.passphraseVerifier ? b64u(keys.passphraseVerifier) : null,
      MK: b64u(keys.MK),
      FK: b64u(keys.FK),
    },
    manifest,
    stream,
    links: {
      share: `${SERVER}/s/${b64u(id)}#${b64u(K)}`,
      manage: `${SERVER}/m/${b64u(id)}#${b64u(manageToken)}`,
    },
  };
  return out;
}

const cases = [
  { name: 'text only', text: 'correct horse battery staple', passphrase: null, files: [] },
  { name: 'text with passphrase', text: 'the vault code is 4711', passphrase: 'open sesame', iterations: 1000, files: [] },
  { name: 'non-ASCII text, NFD passphrase, non-ASCII file name', text: nonAsciiText, passphrase: 'Cafe\u0301 ☕ pässwörd', iterations: 2000,
    files: [{ name: 'Résumé – 2026 ✓.txt', type: 'text/plain', utf8: 'Zürich, 東京, 🔑\n' }] },
  { name: 'empty file', text: null, passphrase: null, files: [{ name: 'empty.bin', type: 'application/octet-stream', utf8: '' }] },
  { name: 'exactly 64 KiB', text: null, passphrase: null, files: [{ name: 'chunk.bin', type: 'application/octet-stream', pattern: { length: 65536, seed: 7 } }] },
  { name: '64 KiB + 1', text: 'one byte over', passphrase: null, files: [{ name: 'over.bin', type: 'application/octet-stream', pattern: { length: 65537, seed: 11 } }] },
  { name: 'multiple files with passphrase', text: 'three files follow', passphrase: 'correct horse', iterations: 1500, files: [
    { name: 'a.txt', type: 'text/plain', utf8: 'first file\n' },
    { name: 'empty', type: 'application/octet-stream', utf8: '' },
    { name: '../../etc/passwd', type: 'application/octet-stream', pattern: { length: 70000, seed: 3 } },
    { name: 'a.txt', type: 'text/plain', utf8: 'same name, second file\n' },
  ] },
  { name: 'long text padded past 256 bytes', text: 'x'.repeat(300), passphrase: null, files: [] },
];

const validLinks = [
  'https://parley.example.org/s/AAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'http://127.0.0.1:5080/m/abcdefghijklmnopqrstuw#abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ',
  '  HTTPS://Example.org:8443/parley/s/' + '_-'.repeat(10) + '_w#' + '_-'.repeat(21) + '8\n',
];
const damagedLinks = [
  'https://parley.example.org/s/AAAAAAAAAAAAAAAAAAAAAA',
  'https://parley.example.org/s/AAAAAAAAAAAAAAAAAAAAAA#',
  'https://parley.example.org/s/AAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'https://parley.example.org/s/AAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'https://parley.example.org/s/AAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB',
  'https://parley.example.org/s/AAAAAAAAAAAAAAAAAAAAAB#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'https://parley.example.org/s/AAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'https://parley.example.org/s/AAAAAAAAAAAAAAAAAAAAAA/#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'https://parley.example.org/x/AAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'https://parley.example.org/s/AAAAAAAAAAAAAAAAAAAAAA?x=1#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'ftp://parley.example.org/s/AAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'https://user@parley.example.org/s/AAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'https://parley.example.org/s/AAAAAAAAAAA AAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'https://parley.example.org/s/AAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+',
  'https://parley.example.org/s/AAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
  'https://parley.example.org/s/AAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA#x',
  '/s/AAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'https:///s/AAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'https://parley.example.org/s/AAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAA AAAAAAAAAAAAAA',
  '',
];

const fileNames = [
  'report.pdf', '../../etc/passwd', '..\\..\\Windows\\system.ini', 'C:\\Users\\me\\notes.txt', '/absolute/path/x.txt',
  '...', '. .', '.bashrc', 'trailing dots...', '  spaced  ', 'a:b*c?d"e<f>g|h', 'tab\there\nnewline\u0000nul',
  'CON', 'con.txt', 'Lpt9.tar.gz', 'COM10.txt', 'CONSOLE.txt', 'aux', 'invoice\u202Efdp.exe', 'zero\u200Bwidth\uFEFF.txt',
  'Cafe\u0301.txt', 'Résumé – 2026 ✓.pdf', '日本語のファイル.txt', '🔑'.repeat(70) + '.txt', 'a'.repeat(254) + '.', '', '/', 'dir/',
];
const fileNameSets = [
  ['a.txt', 'a.txt', 'A.TXT', 'a (2).txt'],
  ['README', 'readme', '../README'],
  ['x'.repeat(255), 'x'.repeat(255)],
  ['con', 'CON', '_con'],
  ['Straße.txt', 'STRASSE.txt', 'straße.TXT'],
  ['a.' + 'e'.repeat(252), 'a.' + 'e'.repeat(252)],
];

const vectors = {
  description: 'Test vectors for docs/secret-format.md (Parley secret format v1). Generated by scripts/secret-vectors.mjs, ' +
    'an independent JavaScript implementation on Node WebCrypto. Binary values are base64url without padding; *Sha256 values are hex. ' +
    'File content {"pattern":{"length":L,"seed":s}} means byte j = (s + 31*j) mod 251.',
  generator: 'scripts/secret-vectors.mjs',
  formatVersion: 1,
  chunkSize: CHUNK,
  cases: [],
  links: {
    valid: validLinks.map((input) => ({ input, ...parseLink(input) })),
    damaged: damagedLinks.map((input) => ({ input, reason: parseLink(input).damaged })),
  },
  fileNames: fileNames.map((input) => ({ input, output: sanitize(input) })),
  fileNameSets: fileNameSets.map((inputs) => ({ inputs, outputs: uniqueNames(inputs) })),
};
const recipientCases = [
  { name: 'three labelled recipients, text only', text: 'welcome aboard: the wifi key is 7f3k-29dd', passphrase: null,
    recipients: ['alice', 'bob', 'Zoë ✓'], files: [] },
  { name: 'two unlabelled recipients, passphrase and a file', text: null, passphrase: 'Cafe\u0301 shared', iterations: 1200,
    recipients: [null, null], files: [{ name: 'vpn.ovpn', type: 'application/x-openvpn-profile', pattern: { length: 70000, seed: 5 } }] },
  { name: 'one recipient', text: 'a bundle of one', passphrase: null, recipients: ['solo'], files: [] },
];

if (process.argv.includes('--recipients')) {
  const recipientVectors = {
    description: 'Test vectors for docs/secret-format.md §7 (one secret, several recipients). Generated by ' +
      'scripts/secret-vectors.mjs --recipients on Node WebCrypto. Binary values are base64url without padding; *Sha256 values are hex. ' +
      'File content {"pattern":{"length":L,"seed":s}} means byte j = (s + 31*j) mod 251.',
    generator: 'scripts/secret-vectors.mjs --recipients',
    formatVersion: 1,
    chunkSize: CHUNK,
    cases: [],
  };
  for (const c of recipientCases) recipientVectors.cases.push(await makeRecipientsCase(c));
  process.stdout.write(JSON.stringify(recipientVectors, null, 2) + '\n');
} else {
  for (const c of cases) vectors.cases.push(await makeCase(c));
  for (const l of vectors.links.valid) if (l.damaged) throw new Error('valid link rejected: ' + l.input + ' ' + l.damaged);
  for (const l of vectors.links.damaged) if (!l.reason) throw new Error('damaged link accepted: ' + l.input);
  process.stdout.write(JSON.stringify(vectors, null, 2) + '\n');
}
