// base64url without padding (RFC 4648 §5), strict as docs/secret-format.md asks: no padding, no
// whitespace, only the url-safe alphabet, and canonical (unused trailing bits are zero).

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const lookup = new Int16Array(128).fill(-1);
for (let i = 0; i < alphabet.length; i++) lookup[alphabet.charCodeAt(i)] = i;

/** Thrown for a string that is not canonical base64url. Carries no part of the input. */
export class Base64UrlError extends Error {
  constructor() {
    super('not canonical base64url');
    this.name = 'Base64UrlError';
  }
}

export function encode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += alphabet[(n >> 18) & 63]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + alphabet[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += alphabet[(n >> 18) & 63]! + alphabet[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += alphabet[(n >> 18) & 63]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]!;
  }
  return out;
}

function sextet(s: string, i: number): number {
  const c = s.charCodeAt(i);
  const v = c < 128 ? lookup[c]! : -1;
  if (v < 0) throw new Base64UrlError();
  return v;
}

export function decode(s: string): Uint8Array {
  if (s.length % 4 === 1) throw new Base64UrlError();
  const full = Math.floor(s.length / 4);
  const rest = s.length % 4;
  const out = new Uint8Array(full * 3 + (rest === 0 ? 0 : rest - 1));
  let o = 0;
  for (let q = 0; q < full; q++) {
    const i = q * 4;
    const n = (sextet(s, i) << 18) | (sextet(s, i + 1) << 12) | (sextet(s, i + 2) << 6) | sextet(s, i + 3);
    out[o++] = (n >> 16) & 255;
    out[o++] = (n >> 8) & 255;
    out[o++] = n & 255;
  }
  const i = full * 4;
  if (rest === 2) {
    const a = sextet(s, i);
    const b = sextet(s, i + 1);
    if ((b & 15) !== 0) throw new Base64UrlError();
    out[o] = (a << 2) | (b >> 4);
  } else if (rest === 3) {
    const a = sextet(s, i);
    const b = sextet(s, i + 1);
    const c = sextet(s, i + 2);
    if ((c & 3) !== 0) throw new Base64UrlError();
    out[o++] = (a << 2) | (b >> 4);
    out[o] = ((b & 15) << 4) | (c >> 2);
  }
  return out;
}

/** Decodes and checks the decoded length; throws {@link Base64UrlError} otherwise. */
export function decodeExact(s: string, length: number): Uint8Array {
  // A quick length check first, so an overlong string is not decoded at all.
  if (s.length !== Math.ceil((length * 4) / 3)) throw new Base64UrlError();
  return decode(s);
}
