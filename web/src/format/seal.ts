// The one place the app turns content into what the server stores, and back (docs/secret-format.md
// §1–§3 for one recipient, §7 for several). It picks every random value (link keys, content key,
// salt, nonces, stream prefix), computes the verifiers, and zeroes key bytes when it is done with
// them. Pages get strings for the API and for links, and non-extractable CryptoKeys for the file
// stream: they never handle key bytes.

import type { PassphraseParameters, RecipientKey } from '../api';
import { decode, encode } from './b64u';
import { shareLink } from './link';
import { requesterLinkKey, responderLinkKey } from './request';
import {
  type Bytes,
  type KeyBytes,
  type Manifest,
  type ManifestFile,
  type PassphraseInput,
  FormatError,
  KEY_BYTES,
  NONCE_BYTES,
  PREFIX_BYTES,
  SALT_BYTES,
  aesKey,
  contentKeyBytes,
  deriveKeyBytes,
  deriveStretchedKeyBytes,
  manifestJson,
  openManifest,
  randomBytes,
  sealManifest,
  sha256,
  stretchPassphrase,
  unwrapContentKey,
  wipeKeys,
  wrapContentKey,
} from './secret';

export interface SealInput {
  text: string | null;
  files: ManifestFile[];
  passphrase: string | null;
  /** PBKDF2 iterations for the passphrase (the server's default). */
  iterations: number;
  /** Null for one recipient; otherwise one label (or null) per recipient, each getting a link of their own. */
  recipients: (string | null)[] | null;
}

/** A sealed secret: the members of `POST /api/secrets`, the file key and prefix for the upload, and the links once ids are known. */
export interface Sealed {
  /** b64u(sealedManifest). */
  manifest: string;
  /** Its length in bytes, for the server's limit. */
  manifestBytes: number;
  accessVerifier: string | null;
  passphrase: PassphraseParameters | null;
  recipients: RecipientKey[] | null;
  /** FK as a CryptoKey that cannot be exported, and a fresh stream prefix. */
  fileKey: CryptoKey;
  streamPrefix: Bytes;
  /** The share link of recipient `index` (0 for one recipient) once the server named it `id`. */
  shareLink(origin: string, id: string, index?: number): string;
  /** Zeroes every link key; call it when the links have been shown. */
  wipe(): void;
}

/** Seals content for one recipient (a fresh link key K) or several (a content key C wrapped to each link key). */
export async function seal(input: SealInput): Promise<Sealed> {
  if (input.recipients === null) {
    return sealUnder(randomBytes(KEY_BYTES), input);
  }
  return sealForRecipients(input, input.recipients);
}

/** Seals the answer to a request under the link key agreed with the requester's public key (docs/request-format.md §1). */
export async function sealAnswer(requesterPublic: Bytes, input: SealInput): Promise<{ ephemeralKey: string; sealed: Sealed }> {
  const { ephemeralPublic, linkKey } = await responderLinkKey(requesterPublic);
  return { ephemeralKey: encode(ephemeralPublic), sealed: await sealUnder(linkKey, { ...input, passphrase: null, recipients: null }) };
}

function passphraseInput(input: SealInput): PassphraseInput | null {
  return input.passphrase === null ? null : { passphrase: input.passphrase, salt: randomBytes(SALT_BYTES), iterations: input.iterations };
}

async function sealUnder(linkKey: Bytes, input: SealInput): Promise<Sealed> {
  const pass = passphraseInput(input);
  const keys = await deriveKeyBytes(linkKey, pass);
  try {
    const sealedManifest = await sealWith(keys.manifestKey, input);
    return {
      manifest: encode(sealedManifest),
      manifestBytes: sealedManifest.length,
      accessVerifier: encode(await sha256(keys.accessKey)),
      passphrase: pass && keys.passphraseProof
        ? { kdf: 'pbkdf2-sha256', salt: encode(pass.salt), iterations: pass.iterations, verifier: encode(await sha256(keys.passphraseProof)) }
        : null,
      recipients: null,
      fileKey: await aesKey(keys.fileKey),
      streamPrefix: randomBytes(PREFIX_BYTES),
      shareLink: (origin, id) => shareLink(origin, id, linkKey),
      wipe: () => linkKey.fill(0),
    };
  } catch (e) {
    linkKey.fill(0);
    throw e;
  } finally {
    wipeKeys(keys);
  }
}

async function sealForRecipients(input: SealInput, labels: (string | null)[]): Promise<Sealed> {
  const pass = passphraseInput(input);
  const contentKey = randomBytes(KEY_BYTES);
  const linkKeys = labels.map(() => randomBytes(KEY_BYTES));
  const stretched = pass ? await stretchPassphrase(pass) : null;
  const content = await contentKeyBytes(contentKey);
  try {
    const recipients: RecipientKey[] = [];
    for (const [i, label] of labels.entries()) {
      // Each link gets its own copy of S: derivation takes it over and wipes it with the link's keys.
      const keys = await deriveStretchedKeyBytes(linkKeys[i]!, stretched ? stretched.slice() : null);
      try {
        const accessVerifier = await sha256(keys.accessKey);
        recipients.push({
          label,
          accessVerifier: encode(accessVerifier),
          passphraseVerifier: keys.passphraseProof ? encode(await sha256(keys.passphraseProof)) : null,
          wrappedKey: encode(await wrapContentKey(keys.wrapKey, randomBytes(NONCE_BYTES), accessVerifier, contentKey)),
        });
      } finally {
        wipeKeys(keys);
      }
    }
    const sealedManifest = await sealWith(content.manifestKey, input);
    return {
      manifest: encode(sealedManifest),
      manifestBytes: sealedManifest.length,
      accessVerifier: null,
      passphrase: pass ? { kdf: 'pbkdf2-sha256', salt: encode(pass.salt), iterations: pass.iterations } : null,
      recipients,
      fileKey: await aesKey(content.fileKey),
      streamPrefix: randomBytes(PREFIX_BYTES),
      shareLink: (origin, id, index = 0) => shareLink(origin, id, linkKeys[index]!),
      wipe: () => linkKeys.forEach((k) => k.fill(0)),
    };
  } catch (e) {
    linkKeys.forEach((k) => k.fill(0));
    throw e;
  } finally {
    contentKey.fill(0);
    stretched?.fill(0);
    content.manifestKey.fill(0);
    content.fileKey.fill(0);
  }
}

async function sealWith(manifestKeyBytes: Bytes, input: SealInput): Promise<Bytes> {
  const json = manifestJson(input.text, input.files);
  try {
    return await sealManifest(await aesKey(manifestKeyBytes), json, randomBytes(NONCE_BYTES));
  } finally {
    json.fill(0);
  }
}

// ---------------------------------------------------------------------------------------------
// Opening

/** b64u(AK) of a link key, for a look (which never uses a view). */
export async function accessKeyOf(linkKey: Bytes): Promise<string> {
  const keys = await deriveKeyBytes(linkKey);
  try {
    return encode(keys.accessKey);
  } finally {
    wipeKeys(keys);
  }
}

/** What an open needs (the proofs), and what turns its answer into the manifest and the file key. */
export interface Opener {
  accessKey: string;
  passphraseProof: string | null;
  /** Opens the server's answer: with a `wrappedKey` (§7) through the content key it seals, otherwise with the link's own keys. */
  open(answer: { manifest: string; wrappedKey?: string | null }): Promise<{ manifest: Manifest; fileKey: CryptoKey }>;
  /** Zeroes the link's keys (also done by {@link open}). */
  wipe(): void;
}

/** Derives a link's keys (stretching the passphrase when there is one) for one open. */
export async function prepareOpen(linkKey: Bytes, pass: PassphraseInput | null): Promise<Opener> {
  const keys: KeyBytes = await deriveKeyBytes(linkKey, pass);
  return {
    accessKey: encode(keys.accessKey),
    passphraseProof: keys.passphraseProof ? encode(keys.passphraseProof) : null,
    open: async (answer) => {
      try {
        let manifestKey = keys.manifestKey;
        let fileKey = keys.fileKey;
        let content: { manifestKey: Bytes; fileKey: Bytes } | null = null;
        if (answer.wrappedKey !== undefined && answer.wrappedKey !== null) {
          const contentKey = await unwrapContentKey(keys.wrapKey, await sha256(keys.accessKey), decodeOrFail(answer.wrappedKey));
          try {
            content = await contentKeyBytes(contentKey);
          } finally {
            contentKey.fill(0);
          }
          manifestKey = content.manifestKey;
          fileKey = content.fileKey;
        }
        try {
          return { manifest: await openManifest(await aesKey(manifestKey), decodeOrFail(answer.manifest)), fileKey: await aesKey(fileKey) };
        } finally {
          content?.manifestKey.fill(0);
          content?.fileKey.fill(0);
        }
      } finally {
        wipeKeys(keys);
      }
    },
    wipe: () => wipeKeys(keys),
  };
}

/** The link key of a request's answer (docs/request-format.md §1), held for the page as a handle it cannot read. */
export interface AnswerKey {
  accessKey: string;
  prepareOpen(): Promise<Opener>;
  wipe(): void;
}

/** Agrees the answer's link key from the requester's private key and the answer's ephemeral key (b64u). */
export async function answerKey(requestPrivate: Bytes, ephemeralKey: string): Promise<AnswerKey> {
  const linkKey = await requesterLinkKey(requestPrivate, decodeOrFail(ephemeralKey));
  try {
    return { accessKey: await accessKeyOf(linkKey), prepareOpen: () => prepareOpen(linkKey, null), wipe: () => linkKey.fill(0) };
  } catch (e) {
    linkKey.fill(0);
    throw e;
  }
}

function decodeOrFail(text: string): Bytes {
  try {
    return decode(text) as Bytes;
  } catch {
    throw new FormatError('the server sent a value that is not base64url');
  }
}
