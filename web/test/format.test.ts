// The format module against Node's own crypto (OpenSSL): an independent implementation of every
// step of docs/secret-format.md, written from the spec, must produce the same bytes.
import { createCipheriv, createHash, hkdfSync, pbkdf2Sync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Base64UrlError, decode, encode } from '../src/format/b64u';
import { DamagedLinkError, parseLink, parseLocation } from '../src/format/link';
import {
  type Bytes,
  FormatError,
  aesKey,
  chunkCount,
  deriveKeyBytes,
  manifestJson,
  openManifest,
  openStream,
  plainLengthOf,
  sanitizeFileName,
  uniqueFileNames,
  hasDuplicateMember,
  sealManifest,
  sealStream,
  streamLength,
} from '../src/format/secret';

const u8 = (b: Buffer | Uint8Array): Bytes => new Uint8Array(b) as Bytes;
const salt = Buffer.from('parley/secret/v1');
const hk = (ikm: Buffer, info: string): Buffer => Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from(info), 32));

function nodeGcm(key: Buffer, nonce: Buffer, aad: Buffer | null, pt: Buffer): Buffer {
  const c = createCipheriv('aes-256-gcm', key, nonce);
  if (aad) c.setAAD(aad);
  return Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
}

function nodeStream(fk: Buffer, prefix: Buffer, plain: Buffer): Buffer {
  const n = Math.max(1, Math.ceil(plain.length / 65536));
  const parts: Buffer[] = [Buffer.concat([Buffer.from([1]), prefix])];
  for (let i = 0; i < n; i++) {
    const nonce = Buffer.alloc(12);
    prefix.copy(nonce, 0);
    nonce.writeUInt32BE(i, 7);
    nonce[11] = i === n - 1 ? 1 : 0;
    parts.push(nodeGcm(fk, nonce, null, plain.subarray(i * 65536, Math.min((i + 1) * 65536, plain.length))));
  }
  return Buffer.concat(parts);
}

describe('base64url', () => {
  it('round trips every length and matches Node', () => {
    for (let n = 0; n < 70; n++) {
      const b = randomBytes(n);
      expect(encode(u8(b))).toBe(b.toString('base64url'));
      expect(Buffer.from(decode(b.toString('base64url')))).toEqual(b);
    }
  });
  it.each(['AA==', 'A A', 'AB+/', 'A', 'AB', 'AAB', 'é'])('rejects %s (padding, whitespace, wrong alphabet, non-canonical)', (s) => {
    expect(() => decode(s)).toThrow(Base64UrlError);
  });
});

describe('key derivation', () => {
  it('matches HKDF and PBKDF2 from Node without a passphrase', async () => {
    const k = randomBytes(32);
    const keys = await deriveKeyBytes(u8(k));
    expect(Buffer.from(keys.accessKey)).toEqual(hk(k, 'access'));
    expect(Buffer.from(keys.manifestKey)).toEqual(hk(k, 'manifest'));
    expect(Buffer.from(keys.fileKey)).toEqual(hk(k, 'files'));
    expect(keys.passphraseProof).toBeNull();
    expect(keys.stretched).toBeNull();
  });

  it('mixes the NFC passphrase into the content keys and the proof, not into the access key', async () => {
    const k = randomBytes(32);
    const s = randomBytes(16);
    // "é" typed as e + combining acute must give the same keys as the precomposed character.
    const keys = await deriveKeyBytes(u8(k), { passphrase: 'cafe\u0301 noir', salt: u8(s), iterations: 1000 });
    const stretched = pbkdf2Sync(Buffer.from('caf\u00e9 noir', 'utf8'), s, 1000, 32, 'sha256');
    const ikm = Buffer.concat([k, stretched]);
    expect(Buffer.from(keys.stretched!)).toEqual(stretched);
    expect(Buffer.from(keys.accessKey)).toEqual(hk(k, 'access'));
    expect(Buffer.from(keys.manifestKey)).toEqual(hk(ikm, 'manifest'));
    expect(Buffer.from(keys.fileKey)).toEqual(hk(ikm, 'files'));
    expect(Buffer.from(keys.passphraseProof!)).toEqual(hk(ikm, 'passphrase'));
  });

  it('refuses a link key of the wrong size and an empty passphrase', async () => {
    await expect(deriveKeyBytes(u8(randomBytes(31)))).rejects.toThrow(FormatError);
    await expect(deriveKeyBytes(u8(randomBytes(32)), { passphrase: '', salt: u8(randomBytes(16)), iterations: 1 })).rejects.toThrow(FormatError);
  });
});

describe('manifest', () => {
  it('writes members in order without whitespace and pads to 256 bytes before sealing', async () => {
    const mk = randomBytes(32);
    const nonce = randomBytes(12);
    const json = manifestJson('hunter2', [{ name: 'a.txt', size: 3, type: 'text/plain' }]);
    expect(new TextDecoder().decode(json)).toBe('{"v":1,"text":"hunter2","files":[{"name":"a.txt","size":3,"type":"text/plain"}]}');
    const sealed = await sealManifest(await aesKey(u8(mk)), json, u8(nonce));
    const padded = Buffer.alloc(256);
    Buffer.from(json).copy(padded);
    const expected = Buffer.concat([Buffer.from([1]), nonce, nodeGcm(mk, nonce, Buffer.from('parley/secret/v1/manifest'), padded)]);
    expect(Buffer.from(sealed)).toEqual(expected);
  });

  it('pads a JSON of exactly 256 bytes not at all', async () => {
    const mk = randomBytes(32);
    const json = manifestJson('x'.repeat(256 - '{"v":1,"text":"","files":[]}'.length), []);
    expect(json.length).toBe(256);
    const sealed = await sealManifest(await aesKey(u8(mk)), json, u8(randomBytes(12)));
    expect(sealed.length).toBe(1 + 12 + 256 + 16);
  });

  it('opens what Node sealed, and refuses a modified byte', async () => {
    const mk = randomBytes(32);
    const nonce = randomBytes(12);
    const json = Buffer.from('{"files":[],"v":1,"text":"from node","extra":true}');
    const padded = Buffer.concat([json, Buffer.alloc(256 - json.length)]);
    const sealed = Buffer.concat([Buffer.from([1]), nonce, nodeGcm(mk, nonce, Buffer.from('parley/secret/v1/manifest'), padded)]);
    const key = await aesKey(u8(mk));
    expect(await openManifest(key, u8(sealed))).toEqual({ v: 1, text: 'from node', files: [] });
    sealed[20]! ^= 1;
    await expect(openManifest(key, u8(sealed))).rejects.toThrow(FormatError);
  });

  it('finds a member named twice, which JSON.parse would hide', () => {
    expect(hasDuplicateMember('{"v":1,"text":"a","files":[],"text":"b"}')).toBe(true);
    expect(hasDuplicateMember('{"v":1,"text":"a","files":[{"name":"x","size":1,"name":"y"}]}')).toBe(true);
    expect(hasDuplicateMember('{"v":1,"text":"{\\"v\\":1,\\"v\\":2}","files":[{"name":"a"},{"name":"a"}]}')).toBe(false);
  });

  it('refuses a manifest with neither text nor files, and a bad file entry', async () => {
    expect(() => manifestJson(null, [])).toThrow(FormatError);
    expect(() => manifestJson(null, [{ name: '', size: 1, type: 'x' }])).toThrow(FormatError);
    expect(() => manifestJson(null, [{ name: 'a', size: -1, type: 'x' }])).toThrow(FormatError);
    expect(() => manifestJson(null, [{ name: 'é'.repeat(128), size: 1, type: 'x' }])).toThrow(FormatError);
  });
});

describe('file stream', () => {
  it.each([0, 1, 65535, 65536, 65537, 131072, 200000])('seals %i bytes exactly like an independent implementation', async (n) => {
    const fk = randomBytes(32);
    const prefix = randomBytes(7);
    const plain = randomBytes(n);
    const sealed = await sealStream(await aesKey(u8(fk)), u8(prefix), u8(plain));
    const expected = nodeStream(fk, prefix, plain);
    expect(sealed.length).toBe(streamLength(n));
    expect(sealed.length).toBe(8 + n + 16 * chunkCount(n));
    expect(Buffer.from(sealed).equals(expected)).toBe(true);
    expect(plainLengthOf(sealed.length)).toBe(n);
    expect(Buffer.from(await openStream(await aesKey(u8(fk)), u8(expected))).equals(plain)).toBe(true);
  });

  it('knows which stream lengths the format allows', () => {
    expect(plainLengthOf(23)).toBeNull();
    expect(plainLengthOf(24)).toBe(0);
    expect(plainLengthOf(8 + 65552)).toBe(65536);
    expect(plainLengthOf(8 + 65552 + 16)).toBeNull(); // would be an empty chunk after a full one
    expect(plainLengthOf(8 + 65552 + 17)).toBe(65537);
  });

  it('refuses truncation at a chunk boundary, reordering and appended bytes', async () => {
    const fk = randomBytes(32);
    const key = await aesKey(u8(fk));
    const plain = randomBytes(3 * 65536);
    const stream = nodeStream(fk, randomBytes(7), plain);
    const truncated = stream.subarray(0, 8 + 2 * 65552);
    await expect(openStream(key, u8(truncated))).rejects.toThrow(FormatError);
    const swapped = Buffer.concat([stream.subarray(0, 8), stream.subarray(8 + 65552, 8 + 2 * 65552), stream.subarray(8, 8 + 65552), stream.subarray(8 + 2 * 65552)]);
    await expect(openStream(key, u8(swapped))).rejects.toThrow(FormatError);
    await expect(openStream(key, u8(Buffer.concat([stream, Buffer.alloc(17)])))).rejects.toThrow(FormatError);
  });
});

describe('links', () => {
  const id = encode(u8(randomBytes(16)));
  const k = encode(u8(randomBytes(32)));
  it.each([
    `https://p.example/s/${id}?x=1#${k}`,
    `https://user@p.example/s/${id}#${k}`,
    `ftp://p.example/s/${id}#${k}`,
    `https://p.example/s/${id}#${k} x`,
  ])('reports a damaged pasted link %s', (l) => {
    expect(() => parseLink(l)).toThrow(DamagedLinkError);
  });
  it('keeps the server with its path prefix, and tells a manage link given for a share link', () => {
    expect(parseLink(`  https://example.org/parley/s/${id}#${k}\n`).server).toBe('https://example.org/parley');
    expect(() => parseLink(`https://example.org/m/${id}#${k}`, 's')).toThrow('this is a manage link, not a share link');
  });
  it('parses the share and manage shapes', () => {
    expect(parseLink(`https://p.example/s/${id}#${k}`).kind).toBe('s');
    expect(parseLocation(`/m/${id}`, `#${k}`).kind).toBe('m');
    expect(encode(parseLocation(`/s/${id}`, `#${k}`).secret)).toBe(k);
  });
  it.each([
    ['missing fragment', `/s/${id}`, ''],
    ['empty fragment', `/s/${id}`, '#'],
    ['short key', `/s/${id}`, `#${k.slice(1)}`],
    ['long key', `/s/${id}`, `#${k}A`],
    ['bad characters', `/s/${id}`, `#${k.slice(0, 42)}+`],
    ['trailing slash', `/s/${id}/`, `#${k}`],
    ['short id', `/s/${id.slice(1)}`, `#${k}`],
    ['other kind', `/x/${id}`, `#${k}`],
  ])('reports a damaged link for %s', (_name, path, hash) => {
    expect(() => parseLocation(path, hash)).toThrow(DamagedLinkError);
  });
});

describe('file names', () => {
  it('makes names unique in manifest order, case-insensitively', () => {
    expect(uniqueFileNames(['report.pdf', 'Report.pdf', 'report.pdf', 'README', 'readme', '.env', '.env'])).toEqual([
      'report.pdf', 'Report (2).pdf', 'report (3).pdf', 'README', 'readme (2)', 'env', 'env (2)',
    ]);
  });
  it.each([
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\x\\report.pdf', 'report.pdf'],
    ['..hidden', 'hidden'],
    ['name. . ', 'name'],
    ['x'.repeat(300), 'x'.repeat(255)],
    ['con.txt', '_con.txt'],
    ['COM1.tar.gz', '_COM1.tar.gz'],
    ['console.txt', 'console.txt'],
    ['invoice\u202egpj.exe', 'invoicegpj.exe'],
    [' .name. ', 'name'],
    ['a\u0000b\u001fc<>:"|?*d', 'abcd'],
    ['...', 'file'],
    ['', 'file'],
  ])('sanitizes %j to %j', (input, expected) => {
    expect(sanitizeFileName(input)).toBe(expected);
  });
});

it('hashes like SHA-256', async () => {
  const { sha256 } = await import('../src/format/secret');
  const b = randomBytes(40);
  expect(Buffer.from(await sha256(u8(b)))).toEqual(createHash('sha256').update(b).digest());
});
