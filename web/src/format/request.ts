// Request-a-secret format v1 (docs/request-format.md) on WebCrypto's X25519: the requester's key
// pair, the request token, the X25519 agreement that gives the answer's link key K, and the links.
// After K, the answer is an ordinary secret (./secret.ts).

import { Base64UrlError, decodeExact, encode } from './b64u';
import { DamagedLinkError, ID_BYTES, isValidId } from './link';
import { type Bytes, FormatError, concat, hkdf } from './secret';

export const KEY_BYTES = 32;
const LABEL = new TextEncoder().encode('parley/request/v1') as Bytes;
const TOKEN_INFO = new TextEncoder().encode('token') as Bytes;
const SEND_TOKEN_INFO = new TextEncoder().encode('send-token') as Bytes;
const LINK_KEY_INFO = new TextEncoder().encode('link-key') as Bytes;
const X25519 = { name: 'X25519' } as const;

// RFC 8410 PKCS#8 wrapper of a raw X25519 private key (WebCrypto imports private keys only wrapped).
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;

async function importPrivate(raw: Bytes, extractable: boolean): Promise<CryptoKey> {
  if (raw.length !== KEY_BYTES) throw new FormatError('an X25519 private key is 32 bytes');
  const der = concat(PKCS8_PREFIX, raw);
  try {
    return await subtle().importKey('pkcs8', der, X25519, extractable, ['deriveBits']);
  } finally {
    der.fill(0);
  }
}

function importPublic(raw: Bytes): Promise<CryptoKey> {
  if (raw.length !== KEY_BYTES) throw new FormatError('an X25519 public key is 32 bytes');
  return subtle().importKey('raw', raw, X25519, true, []);
}

/** `A = X25519(a, 9)`. */
export async function publicKeyOf(privateKey: Bytes): Promise<Bytes> {
  const key = await importPrivate(privateKey, true);
  const jwk = await subtle().exportKey('jwk', key);
  if (!jwk.x) throw new FormatError('the browser did not give the public key');
  return decodeExact(jwk.x, KEY_BYTES) as Bytes;
}

/** `RT = HKDF(a, "parley/request/v1", "token", 32)`: proves to the server that the caller holds `a`. */
export function requestToken(privateKey: Bytes): Promise<Bytes> {
  if (privateKey.length !== KEY_BYTES) throw new FormatError('an X25519 private key is 32 bytes');
  return hkdf(privateKey, LABEL, TOKEN_INFO, 32);
}

/** `ST = HKDF(A, "parley/request/v1", "send-token", 32)`: proves to the server that the caller holds the send link. */
export function sendToken(requesterPublic: Bytes): Promise<Bytes> {
  if (requesterPublic.length !== KEY_BYTES) throw new FormatError('an X25519 public key is 32 bytes');
  return hkdf(requesterPublic, LABEL, SEND_TOKEN_INFO, 32);
}

/** `Z = X25519(priv, peer)`, refusing the all-zero result of a low-order public key. */
export async function agree(privateKey: Bytes, peerPublic: Bytes): Promise<Bytes> {
  const priv = await importPrivate(privateKey, false);
  const pub = await importPublic(peerPublic);
  let z: Bytes;
  try {
    z = new Uint8Array(await subtle().deriveBits({ name: 'X25519', public: pub }, priv, 256));
  } catch {
    throw new FormatError('the public key in the link is not usable');
  }
  if (z.every((b) => b === 0)) throw new FormatError('the public key in the link is not usable');
  return z;
}

/** `K = HKDF(Z, "parley/request/v1", "link-key" ‖ E ‖ A, 32)`. */
export async function linkKey(z: Bytes, ephemeralPublic: Bytes, requesterPublic: Bytes): Promise<Bytes> {
  const info = concat(LINK_KEY_INFO, ephemeralPublic, requesterPublic);
  return hkdf(z, LABEL, info, 32);
}

/** The requester's side: K from its private key and the answer's ephemeral public key. */
export async function requesterLinkKey(privateKey: Bytes, ephemeralPublic: Bytes): Promise<Bytes> {
  const requesterPublic = await publicKeyOf(privateKey);
  const z = await agree(privateKey, ephemeralPublic);
  try {
    return await linkKey(z, ephemeralPublic, requesterPublic);
  } finally {
    z.fill(0);
  }
}

/** The responder's side: a fresh (or, for vectors, given) ephemeral key, `E` and `K`. */
export async function responderLinkKey(requesterPublic: Bytes, ephemeralPrivate?: Bytes): Promise<{ ephemeralPublic: Bytes; linkKey: Bytes }> {
  const e = ephemeralPrivate ?? newPrivateKey();
  try {
    const ephemeralPublic = await publicKeyOf(e);
    const z = await agree(e, requesterPublic);
    try {
      return { ephemeralPublic, linkKey: await linkKey(z, ephemeralPublic, requesterPublic) };
    } finally {
      z.fill(0);
    }
  } finally {
    if (!ephemeralPrivate) e.fill(0);
  }
}

/** 32 random bytes: an X25519 private key (clamped by X25519 itself). */
export function newPrivateKey(): Bytes {
  const a = new Uint8Array(KEY_BYTES);
  globalThis.crypto.getRandomValues(a);
  return a;
}

// ---------------------------------------------------------------------------------------------
// Links: send `/r/{id}#{b64u(A)}`, private `/r/{id}/answer#{b64u(a)}`.

export type RequestLinkKind = 'send' | 'private';

export interface RequestLink {
  kind: RequestLinkKind;
  id: string;
  /** `A` for a send link, `a` for a private link. */
  key: Bytes;
  server: string;
}

const kindName = (k: RequestLinkKind): string => (k === 'send' ? 'a request link to answer' : 'a private answer link');

/** Parses `location.pathname` and `location.hash` of a request page. */
export function parseRequestLocation(pathname: string, hash: string, expected?: RequestLinkKind, server = ''): RequestLink {
  const m = /^((?:\/[^/?#]+)*)\/r\/([^/]*)(\/answer)?$/.exec(pathname);
  if (!m) throw new DamagedLinkError('the address does not have the shape of a Parley request link');
  const kind: RequestLinkKind = m[3] ? 'private' : 'send';
  if (expected && kind !== expected) throw new DamagedLinkError(`this is ${kindName(kind)}, not ${kindName(expected)}`);
  const id = m[2]!;
  if (!isValidId(id)) throw new DamagedLinkError('the request id in the link is damaged');
  if (!hash.startsWith('#') || hash.length === 1) throw new DamagedLinkError('the part after # is missing');
  try {
    return { kind, id, key: decodeExact(hash.slice(1), KEY_BYTES) as Bytes, server: server + m[1] };
  } catch (e) {
    if (e instanceof Base64UrlError) throw new DamagedLinkError('the part after # is damaged or incomplete');
    throw e;
  }
}

/** Parses a pasted request link; surrounding whitespace is ignored, nothing else. */
export function parseRequestLink(link: string, expected?: RequestLinkKind): RequestLink {
  const m = /^(https?:\/\/[^/?#@\s\\]+)((?:\/[^/?#\s]*)*)(#.*)?$/i.exec(link.trim());
  if (!m) throw new DamagedLinkError('this is not a Parley request link');
  return parseRequestLocation(m[2]!, m[3] ?? '', expected, m[1]!);
}

export function sendLink(server: string, id: string, requesterPublic: Bytes): string {
  return `${server}/r/${id}#${encode(requesterPublic)}`;
}

export function privateLink(server: string, id: string, requesterPrivate: Bytes): string {
  return `${server}/r/${id}/answer#${encode(requesterPrivate)}`;
}

export { ID_BYTES };
