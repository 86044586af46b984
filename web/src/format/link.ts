// Links (docs/secret-format.md §4): share `/s/{id}#{b64u(K)}`, manage `/m/{id}#{token}`.
// A parser accepts exactly these shapes; anything else is a damaged link, found before any request.

import { Base64UrlError, decodeExact, encode } from './b64u';
import type { Bytes } from './secret';

export const ID_BYTES = 16;
export const TOKEN_BYTES = 32;

export type LinkKind = 's' | 'm';

export interface ParsedLink {
  kind: LinkKind;
  id: string;
  /** The fragment's bytes: the link key K for `s`, the manage token for `m`. */
  secret: Bytes;
}

/** Thrown for a damaged link. The message never contains any part of the link. */
export class DamagedLinkError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'DamagedLinkError';
  }
}

export function isValidId(id: string): boolean {
  try {
    decodeExact(id, ID_BYTES);
    return true;
  } catch {
    return false;
  }
}

const kindName = (k: LinkKind): string => (k === 's' ? 'a share link' : 'a manage link');

/**
 * Parses a path and fragment (`location.pathname`, `location.hash`). `expected` reports a share
 * link given where a manage link belongs (or the reverse) as such.
 */
export function parseLocation(pathname: string, hash: string, expected?: LinkKind): ParsedLink {
  const m = /^(?:\/[^/?#]+)*\/([sm])\/([^/]*)$/.exec(pathname);
  if (!m) throw new DamagedLinkError('the address does not have the shape of a Parley link');
  const kind = m[1] as LinkKind;
  if (expected && kind !== expected) throw new DamagedLinkError(`this is ${kindName(kind)}, not ${kindName(expected)}`);
  const id = m[2]!;
  if (!isValidId(id)) throw new DamagedLinkError('the secret id in the link is damaged');
  if (!hash.startsWith('#') || hash.length === 1) throw new DamagedLinkError('the part after # is missing');
  try {
    const secret = decodeExact(hash.slice(1), TOKEN_BYTES) as Bytes;
    return { kind, id, secret };
  } catch (e) {
    if (e instanceof Base64UrlError) throw new DamagedLinkError('the part after # is damaged or incomplete');
    throw e;
  }
}

export interface FullLink extends ParsedLink {
  /** The base address, as written in the link, without a trailing `/`. */
  server: string;
}

/** Parses a pasted link (docs/secret-format.md §4): surrounding whitespace is ignored, nothing else. */
export function parseLink(link: string, expected?: LinkKind): FullLink {
  const s = link.trim();
  const m = /^(https?:\/\/[^/?#@\s\\]+(?:\/[^/?#\s\\]+)*)(\/[^/?#\s]*\/[^/?#\s]*)(#.*)?$/i.exec(s);
  if (!m) throw new DamagedLinkError('this is not a Parley link');
  const parsed = parseLocation(m[2]!, m[3] ?? '', expected);
  return { ...parsed, server: m[1]! };
}

export function shareLink(server: string, id: string, linkKey: Bytes): string {
  return `${server}/s/${id}#${encode(linkKey)}`;
}

export function manageLink(server: string, id: string, manageToken: string): string {
  return `${server}/m/${id}#${manageToken}`;
}
