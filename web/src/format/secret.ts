// Secret format v1 (docs/secret-format.md), on WebCrypto only. Everything here is pure: randomness
// (link key, salt, nonces, stream prefix) comes in as arguments from the caller, so the published
// vectors can drive the same code the app runs.

export type Bytes = Uint8Array<ArrayBuffer>;

export const FORMAT_VERSION = 1;
export const KEY_BYTES = 32;
export const SALT_BYTES = 16;
export const NONCE_BYTES = 12;
export const PREFIX_BYTES = 7;
export const TAG_BYTES = 16;
export const HEADER_BYTES = 1 + PREFIX_BYTES;
export const CHUNK_BYTES = 65536;
export const SEALED_CHUNK_BYTES = CHUNK_BYTES + TAG_BYTES;
export const MANIFEST_PAD = 256;
export const MAX_PASSPHRASE_CHARS = 1024;
export const MAX_FILE_NAME_BYTES = 255;

const ascii = (s: string): Bytes => new TextEncoder().encode(s) as Bytes;
const HKDF_SALT = ascii('parley/secret/v1');
const MANIFEST_AAD = ascii('parley/secret/v1/manifest');
const WRAP_AAD = ascii('parley/secret/v1/wrap');

/** A wrapped content key (§7): version, nonce, the 32-byte key, tag. */
export const WRAPPED_KEY_BYTES = 1 + NONCE_BYTES + KEY_BYTES + TAG_BYTES;
export const MAX_RECIPIENTS = 50;
export const MAX_RECIPIENT_LABEL_CHARS = 64;

/** A sealed value failed to authenticate, or its plaintext broke the format's rules. */
export class FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormatError';
  }
}

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;

/** True when `s` holds an unpaired UTF-16 surrogate (a string with no UTF-8 encoding). */
export function hasLoneSurrogate(s: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

export const MIN_ITERATIONS = 1;
export const MAX_ITERATIONS = 10_000_000;

export function concat(...parts: Uint8Array[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function randomBytes(n: number): Bytes {
  const b = new Uint8Array(n);
  globalThis.crypto.getRandomValues(b);
  return b;
}

export async function sha256(data: Bytes): Promise<Bytes> {
  return new Uint8Array(await subtle().digest('SHA-256', data));
}

export async function hkdf(ikm: Bytes, salt: Bytes, info: Bytes, length: number): Promise<Bytes> {
  const key = await subtle().importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  return new Uint8Array(await subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, key, length * 8));
}

export async function pbkdf2(password: Bytes, salt: Bytes, iterations: number, length: number): Promise<Bytes> {
  const key = await subtle().importKey('raw', password, 'PBKDF2', false, ['deriveBits']);
  return new Uint8Array(await subtle().deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, length * 8));
}

/** Validates a passphrase against the format's rules and returns its NFC UTF-8 bytes. */
export function passphraseBytes(passphrase: string): Bytes {
  if (hasLoneSurrogate(passphrase)) throw new FormatError('a passphrase must be valid Unicode');
  const nfc = passphrase.normalize('NFC');
  const chars = [...nfc].length;
  if (chars < 1 || chars > MAX_PASSPHRASE_CHARS) throw new FormatError('a passphrase is 1 to 1024 characters');
  return new TextEncoder().encode(nfc) as Bytes;
}

export interface PassphraseInput {
  passphrase: string;
  salt: Bytes;
  iterations: number;
}

/** Every key of §1 (and the wrap key of §7) as raw bytes. The caller zeroes them (see {@link wipeKeys}). */
export interface KeyBytes {
  stretched: Bytes | null;
  accessKey: Bytes;
  passphraseProof: Bytes | null;
  manifestKey: Bytes;
  fileKey: Bytes;
  wrapKey: Bytes;
}

/** S = PBKDF2(UTF8(NFC(P)), salt, iterations, 32), after checking the parameters a reader must refuse. */
export async function stretchPassphrase(pass: PassphraseInput): Promise<Bytes> {
  if (pass.salt.length !== SALT_BYTES) throw new FormatError('the passphrase salt is 16 bytes');
  if (!Number.isSafeInteger(pass.iterations) || pass.iterations < MIN_ITERATIONS || pass.iterations > MAX_ITERATIONS) {
    throw new FormatError('the passphrase iteration count is out of bounds');
  }
  const p = passphraseBytes(pass.passphrase);
  try {
    return await pbkdf2(p, pass.salt, pass.iterations, 32);
  } finally {
    p.fill(0);
  }
}

export async function deriveKeyBytes(linkKey: Bytes, pass?: PassphraseInput | null): Promise<KeyBytes> {
  if (linkKey.length !== KEY_BYTES) throw new FormatError('the link key is 32 bytes');
  return deriveStretchedKeyBytes(linkKey, pass ? await stretchPassphrase(pass) : null);
}

/** The keys of a link from K and an already stretched passphrase S (which they take over), so several links stretch once (§7). */
export async function deriveStretchedKeyBytes(linkKey: Bytes, stretched: Bytes | null): Promise<KeyBytes> {
  if (linkKey.length !== KEY_BYTES) throw new FormatError('the link key is 32 bytes');
  const accessKey = await hkdf(linkKey, HKDF_SALT, ascii('access'), 32);
  const ikm = stretched ? concat(linkKey, stretched) : linkKey.slice();
  try {
    const manifestKey = await hkdf(ikm, HKDF_SALT, ascii('manifest'), 32);
    const fileKey = await hkdf(ikm, HKDF_SALT, ascii('files'), 32);
    const wrapKey = await hkdf(ikm, HKDF_SALT, ascii('wrap'), 32);
    const passphraseProof = stretched ? await hkdf(ikm, HKDF_SALT, ascii('passphrase'), 32) : null;
    return { stretched, accessKey, passphraseProof, manifestKey, fileKey, wrapKey };
  } finally {
    ikm.fill(0);
  }
}

export function wipeKeys(k: KeyBytes): void {
  k.stretched?.fill(0);
  k.accessKey.fill(0);
  k.passphraseProof?.fill(0);
  k.manifestKey.fill(0);
  k.fileKey.fill(0);
  k.wrapKey.fill(0);
}

/** §7: MK and FK from the content key C of a secret for several recipients. The caller zeroes them. */
export async function contentKeyBytes(contentKey: Bytes): Promise<{ manifestKey: Bytes; fileKey: Bytes }> {
  if (contentKey.length !== KEY_BYTES) throw new FormatError('the content key is 32 bytes');
  return {
    manifestKey: await hkdf(contentKey, HKDF_SALT, ascii('manifest'), 32),
    fileKey: await hkdf(contentKey, HKDF_SALT, ascii('files'), 32),
  };
}

/** §7: W = 0x01 ‖ nonce ‖ GCM(WK, nonce, "parley/secret/v1/wrap" ‖ SHA-256(AK), C). */
export async function wrapContentKey(wrapKey: Bytes, nonce: Bytes, accessVerifier: Bytes, contentKey: Bytes): Promise<Bytes> {
  if (nonce.length !== NONCE_BYTES || contentKey.length !== KEY_BYTES) throw new FormatError('a wrap takes a 12-byte nonce and a 32-byte key');
  const key = await aesKey(wrapKey);
  const ct = await subtle().encrypt({ name: 'AES-GCM', iv: nonce, additionalData: concat(WRAP_AAD, accessVerifier), tagLength: 128 }, key, contentKey);
  return concat(Uint8Array.of(FORMAT_VERSION), nonce, new Uint8Array(ct));
}

/** Opens a wrapped content key; a wrong length, version or tag is a {@link FormatError}. The caller zeroes the result. */
export async function unwrapContentKey(wrapKey: Bytes, accessVerifier: Bytes, wrapped: Bytes): Promise<Bytes> {
  if (wrapped.length !== WRAPPED_KEY_BYTES || wrapped[0] !== FORMAT_VERSION) throw new FormatError('not a v1 wrapped content key');
  const key = await aesKey(wrapKey);
  try {
    return new Uint8Array(
      await subtle().decrypt(
        { name: 'AES-GCM', iv: wrapped.subarray(1, 1 + NONCE_BYTES), additionalData: concat(WRAP_AAD, accessVerifier), tagLength: 128 },
        key,
        wrapped.subarray(1 + NONCE_BYTES),
      ),
    );
  } catch {
    throw new FormatError('the wrapped content key does not authenticate');
  }
}

/** Imports raw AES-256-GCM key bytes as a non-extractable CryptoKey. */
export function aesKey(raw: Bytes): Promise<CryptoKey> {
  if (raw.length !== 32) throw new FormatError('AES-256 keys are 32 bytes');
  return subtle().importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

/** What the app keeps after derivation: CryptoKeys for content, raw bytes only for what goes to the server. */
export interface SecretKeys {
  accessKey: Bytes;
  passphraseProof: Bytes | null;
  manifestKey: CryptoKey;
  fileKey: CryptoKey;
}

export async function deriveKeys(linkKey: Bytes, pass?: PassphraseInput | null): Promise<SecretKeys> {
  const k = await deriveKeyBytes(linkKey, pass);
  try {
    return {
      accessKey: k.accessKey.slice(),
      passphraseProof: k.passphraseProof ? k.passphraseProof.slice() : null,
      manifestKey: await aesKey(k.manifestKey),
      fileKey: await aesKey(k.fileKey),
    };
  } finally {
    wipeKeys(k);
  }
}

// ---------------------------------------------------------------------------------------------
// §2 Manifest

export interface ManifestFile {
  name: string;
  size: number;
  type: string;
}

export interface Manifest {
  v: 1;
  text: string | null;
  files: ManifestFile[];
}

const utf8Length = (s: string): number => new TextEncoder().encode(s).length;

/** The writer's JSON: members in the documented order, no insignificant whitespace. */
export function manifestJson(text: string | null, files: ManifestFile[]): Bytes {
  const m = {
    v: FORMAT_VERSION,
    text,
    files: files.map((f) => ({ name: f.name, size: f.size, type: validType(f.type) ? f.type : OCTET_STREAM })),
  };
  checkManifest(m);
  if ((text !== null && hasLoneSurrogate(text)) || files.some((f) => hasLoneSurrogate(f.name))) {
    throw new FormatError('the manifest holds a string that is not valid Unicode');
  }
  return new TextEncoder().encode(JSON.stringify(m)) as Bytes;
}

export const OCTET_STREAM = 'application/octet-stream';
const validType = (t: unknown): t is string => typeof t === 'string' && /^[\x20-\x7e]{1,255}$/.test(t);

export function padManifest(json: Uint8Array): Bytes {
  if (json.length === 0) throw new FormatError('empty manifest');
  const padded = new Uint8Array(Math.ceil(json.length / MANIFEST_PAD) * MANIFEST_PAD);
  padded.set(json);
  return padded;
}

export async function sealManifest(manifestKey: CryptoKey, json: Uint8Array, nonce: Bytes): Promise<Bytes> {
  if (nonce.length !== NONCE_BYTES) throw new FormatError('the manifest nonce is 12 bytes');
  const padded = padManifest(json);
  try {
    const ct = await subtle().encrypt({ name: 'AES-GCM', iv: nonce, additionalData: MANIFEST_AAD, tagLength: 128 }, manifestKey, padded);
    return concat(Uint8Array.of(FORMAT_VERSION), nonce, new Uint8Array(ct));
  } finally {
    padded.fill(0);
  }
}

/** Opens a sealed manifest and returns the padded plaintext (for vectors) and the parsed manifest. */
export async function openManifestBytes(manifestKey: CryptoKey, sealed: Bytes): Promise<Bytes> {
  const overhead = 1 + NONCE_BYTES + TAG_BYTES;
  if (sealed.length < overhead + MANIFEST_PAD || (sealed.length - overhead) % MANIFEST_PAD !== 0 || sealed[0] !== FORMAT_VERSION) {
    throw new FormatError('not a v1 sealed manifest');
  }
  const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
  try {
    return new Uint8Array(
      await subtle().decrypt(
        { name: 'AES-GCM', iv: nonce, additionalData: MANIFEST_AAD, tagLength: 128 },
        manifestKey,
        sealed.subarray(1 + NONCE_BYTES),
      ),
    );
  } catch {
    throw new FormatError('the manifest does not authenticate');
  }
}

export async function openManifest(manifestKey: CryptoKey, sealed: Bytes): Promise<Manifest> {
  const padded = await openManifestBytes(manifestKey, sealed);
  let end = padded.length;
  while (end > 0 && padded[end - 1] === 0) end--;
  let parsed: unknown;
  try {
    const json = new TextDecoder('utf-8', { fatal: true }).decode(padded.subarray(0, end));
    parsed = JSON.parse(json);
    if (hasDuplicateMember(json)) throw new FormatError('a manifest member appears twice');
  } catch {
    throw new FormatError('the manifest is not valid JSON');
  } finally {
    padded.fill(0);
  }
  return checkManifest(parsed);
}

function checkManifest(value: unknown): Manifest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FormatError('the manifest is not an object');
  const o = value as Record<string, unknown>;
  if (o.v !== FORMAT_VERSION) throw new FormatError('unsupported manifest version');
  if (!('text' in o) || !('files' in o)) throw new FormatError('a manifest member is missing');
  const text = o.text;
  if (text !== null && typeof text !== 'string') throw new FormatError('manifest text must be a string or null');
  if (text === '') throw new FormatError('manifest text is null when there is none, never empty');
  const rawFiles = o.files;
  if (!Array.isArray(rawFiles)) throw new FormatError('manifest files must be an array');
  const files = rawFiles.map((f: unknown): ManifestFile => {
    if (typeof f !== 'object' || f === null) throw new FormatError('a manifest file entry is not an object');
    const e = f as Record<string, unknown>;
    if (typeof e.name !== 'string') throw new FormatError('a file name is missing');
    const nameBytes = utf8Length(e.name);
    if (nameBytes < 1 || nameBytes > MAX_FILE_NAME_BYTES) throw new FormatError('a file name is 1 to 255 UTF-8 bytes');
    if (typeof e.size !== 'number' || !Number.isSafeInteger(e.size) || e.size < 0) throw new FormatError('a file size is not a non-negative integer');
    if (!validType(e.type)) throw new FormatError('a file type is not 1 to 255 printable ASCII characters');
    return { name: e.name, size: e.size, type: e.type };
  });
  if (text === null && files.length === 0) throw new FormatError('the manifest holds neither text nor files');
  return { v: FORMAT_VERSION, text, files };
}

// ---------------------------------------------------------------------------------------------
// §3 File stream

/** Number of chunks for `n` plaintext bytes. */
export function chunkCount(plainBytes: number): number {
  return Math.max(1, Math.ceil(plainBytes / CHUNK_BYTES));
}

/** Ciphertext length of a stream for `n` plaintext bytes: 8 + n + 16 × max(1, ceil(n / 65536)). */
export function streamLength(plainBytes: number): number {
  return HEADER_BYTES + plainBytes + TAG_BYTES * chunkCount(plainBytes);
}

/** The plaintext length of a stream of `c` bytes, or null when no plaintext length gives `c`. */
export function plainLengthOf(streamBytes: number): number | null {
  if (!Number.isSafeInteger(streamBytes) || streamBytes < HEADER_BYTES + TAG_BYTES) return null;
  const body = streamBytes - HEADER_BYTES;
  const chunks = Math.max(1, Math.ceil(body / SEALED_CHUNK_BYTES));
  const n = body - chunks * TAG_BYTES;
  return n >= 0 && streamLength(n) === streamBytes ? n : null;
}

/** Byte offset of chunk `i` inside the stream. */
export function chunkOffset(i: number): number {
  return HEADER_BYTES + i * SEALED_CHUNK_BYTES;
}

export function streamHeader(prefix: Bytes): Bytes {
  if (prefix.length !== PREFIX_BYTES) throw new FormatError('the stream prefix is 7 bytes');
  return concat(Uint8Array.of(FORMAT_VERSION), prefix);
}

/** Reads and checks a stream header; returns the 7-byte prefix. */
export function parseStreamHeader(header: Uint8Array): Bytes {
  if (header.length !== HEADER_BYTES || header[0] !== FORMAT_VERSION) throw new FormatError('not a v1 file stream');
  return header.slice(1) as Bytes;
}

export function chunkNonce(prefix: Bytes, index: number, last: boolean): Bytes {
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) throw new FormatError('chunk counter out of range');
  const n = new Uint8Array(NONCE_BYTES);
  n.set(prefix, 0);
  new DataView(n.buffer).setUint32(PREFIX_BYTES, index, false);
  n[11] = last ? 1 : 0;
  return n;
}

export async function sealChunk(fileKey: CryptoKey, prefix: Bytes, index: number, last: boolean, plain: Bytes): Promise<Bytes> {
  if (plain.length > CHUNK_BYTES || (!last && plain.length !== CHUNK_BYTES)) throw new FormatError('bad chunk length');
  const ct = await subtle().encrypt({ name: 'AES-GCM', iv: chunkNonce(prefix, index, last), tagLength: 128 }, fileKey, plain);
  return new Uint8Array(ct);
}

export async function openChunk(fileKey: CryptoKey, prefix: Bytes, index: number, last: boolean, sealed: Bytes): Promise<Bytes> {
  try {
    const pt = await subtle().decrypt({ name: 'AES-GCM', iv: chunkNonce(prefix, index, last), tagLength: 128 }, fileKey, sealed);
    return new Uint8Array(pt);
  } catch {
    throw new FormatError(`file chunk ${index} does not authenticate`);
  }
}

/** Seals a whole in-memory plaintext (vectors, small secrets). */
export async function sealStream(fileKey: CryptoKey, prefix: Bytes, plain: Bytes): Promise<Bytes> {
  const chunks = chunkCount(plain.length);
  const out = new Uint8Array(streamLength(plain.length));
  out.set(streamHeader(prefix), 0);
  const sealed = await Promise.all(
    Array.from({ length: chunks }, (_, i) =>
      sealChunk(fileKey, prefix, i, i === chunks - 1, plain.subarray(i * CHUNK_BYTES, Math.min((i + 1) * CHUNK_BYTES, plain.length))),
    ),
  );
  sealed.forEach((c, i) => out.set(c, chunkOffset(i)));
  return out;
}

/** Opens a whole in-memory stream: a chunk is the last exactly when no bytes follow it. */
export async function openStream(fileKey: CryptoKey, stream: Bytes): Promise<Bytes> {
  const n = plainLengthOf(stream.length);
  if (n === null) throw new FormatError('the stream length is not one the format allows');
  const prefix = parseStreamHeader(stream.subarray(0, HEADER_BYTES));
  const chunks = chunkCount(n);
  const out = new Uint8Array(n);
  for (let i = 0; i < chunks; i++) {
    const start = chunkOffset(i);
    const end = Math.min(start + SEALED_CHUNK_BYTES, stream.length);
    const pt = await openChunk(fileKey, prefix, i, i === chunks - 1, stream.subarray(start, end));
    out.set(pt, i * CHUNK_BYTES);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// §5 File names

const reservedStem = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;
const removed = /[\u0000-\u001f\u007f-\u009f:*?"<>|\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** Cuts `s` to the longest prefix of whole code points that fits in `max` UTF-8 bytes. */
function cutUtf8(s: string, max: number): string {
  const enc = new TextEncoder();
  if (enc.encode(s).length <= max) return s;
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const n = enc.encode(ch).length;
    if (bytes + n > max) break;
    out += ch;
    bytes += n;
  }
  return out;
}

const trimDotsSpaces = (s: string): string => s.replace(/^[. ]+/, '').replace(/[. ]+$/, '');

/** Makes an untrusted manifest file name safe to save (docs/secret-format.md §5, steps 1–7). */
export function sanitizeFileName(name: string): string {
  let s = name.replace(/\\/g, '/');
  s = s.slice(s.lastIndexOf('/') + 1);
  s = s.normalize('NFC').replace(removed, '');
  s = trimDotsSpaces(s);
  const dot = s.indexOf('.');
  if (reservedStem.test(dot < 0 ? s : s.slice(0, dot))) s = '_' + s;
  s = trimDotsSpaces(cutUtf8(s, MAX_FILE_NAME_BYTES));
  return s.length > 0 ? s : 'file';
}

const utf8Bytes = (s: string): number => new TextEncoder().encode(s).length;
const foldAscii = (s: string): string => s.replace(/[a-z]/g, (c) => c.toUpperCase());

/** `report.pdf` → `report (2).pdf`; the number goes at the end when the extension leaves no room. */
function numbered(name: string, n: number): string {
  const suffix = ` (${n})`;
  const dot = name.lastIndexOf('.');
  let [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  if (utf8Bytes(suffix) + utf8Bytes(ext) > MAX_FILE_NAME_BYTES) [stem, ext] = [name, ''];
  const room = MAX_FILE_NAME_BYTES - utf8Bytes(suffix) - utf8Bytes(ext);
  const cut = utf8Bytes(stem) > room ? cutUtf8(stem, room).replace(/[. ]+$/, '') : stem;
  return cut + suffix + ext;
}

/** Sanitized names made unique in manifest order, comparing with ASCII letters folded (step 8). */
export function uniqueFileNames(names: string[]): string[] {
  const taken = new Set<string>();
  return names.map((raw) => {
    const base = sanitizeFileName(raw);
    let candidate = base;
    for (let n = 2; taken.has(foldAscii(candidate)); n++) candidate = numbered(base, n);
    taken.add(foldAscii(candidate));
    return candidate;
  });
}

/**
 * True when some JSON object in `json` (already known to be valid JSON) names a member twice.
 * JSON.parse keeps the last one silently; the format rejects such a manifest.
 */
export function hasDuplicateMember(json: string): boolean {
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!;
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        const k = JSON.parse(json.slice(i, j + 1)) as string;
        if (top.has(k)) return true;
        top.add(k);
        expectKey = false;
      }
      i = j;
    } else if (c === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      stack.push(null);
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      expectKey = stack[stack.length - 1] !== null && stack.length > 0;
    }
  }
  return false;
}
