// Checks a format module against docs/secret-format-recipients-vectors.json (docs/secret-format.md §7,
// one secret for several recipients) and returns the mismatches. Plain JavaScript with no imports,
// so the same file runs under vitest (TypeScript sources) and inside Chromium (the built
// /app/assets/parley-format.js).

/**
 * @param {{ b64u: any, link: any, secret: any }} f the format module (src/format/index.ts)
 * @param {any} v the parsed vectors file
 * @returns {Promise<{ checked: number, failures: string[] }>}
 */
export async function runRecipientVectors(f, v) {
  const { b64u, link, secret } = f;
  const failures = [];
  let checked = 0;
  const same = (where, actual, expected) => {
    checked++;
    if (actual !== expected) failures.push(`${where}: expected ${String(expected).slice(0, 80)} got ${String(actual).slice(0, 80)}`);
  };

  for (const c of v.cases) {
    const at = (what) => `${c.name}: ${what}`;
    try {
      const i = c.inputs;
      const C = b64u.decode(i.C);
      const pass = i.passphrase === null ? null : { passphrase: i.passphrase, salt: b64u.decode(i.salt), iterations: i.iterations };
      const S = pass ? await secret.stretchPassphrase(pass) : null;
      same(at('S'), S && b64u.encode(S), c.derived.S);
      const content = await secret.contentKeyBytes(C);
      same(at('MK'), b64u.encode(content.manifestKey), c.derived.MK);
      same(at('FK'), b64u.encode(content.fileKey), c.derived.FK);
      const json = secret.manifestJson(i.text, i.files.map((file, n) => ({ name: file.name, size: c.stream ? sizeOf(file) : 0, type: file.type })));
      same(at('manifest json'), b64u.encode(json), c.manifest.jsonBytes);
      const sealed = await secret.sealManifest(await secret.aesKey(content.manifestKey), json, b64u.decode(i.manifestNonce));
      same(at('sealed manifest'), b64u.encode(sealed), c.manifest.sealed);

      same(at('recipient count'), i.recipients.length, c.derived.recipients.length);
      for (const [n, r] of i.recipients.entries()) {
        const d = c.derived.recipients[n];
        const K = b64u.decode(r.K);
        const keys = await secret.deriveStretchedKeyBytes(K, S ? S.slice() : null);
        same(at(`recipient ${n} AK`), b64u.encode(keys.accessKey), d.AK);
        const av = await secret.sha256(keys.accessKey);
        same(at(`recipient ${n} access verifier`), b64u.encode(av), d.accessVerifier);
        same(at(`recipient ${n} PP`), keys.passphraseProof && b64u.encode(keys.passphraseProof), d.PP);
        same(at(`recipient ${n} passphrase verifier`), keys.passphraseProof && b64u.encode(await secret.sha256(keys.passphraseProof)), d.passphraseVerifier);
        same(at(`recipient ${n} WK`), b64u.encode(keys.wrapKey), d.WK);
        const wrapped = await secret.wrapContentKey(keys.wrapKey, b64u.decode(r.wrapNonce), av, C);
        same(at(`recipient ${n} wrapped key`), b64u.encode(wrapped), d.wrappedKey);
        const unwrapped = await secret.unwrapContentKey(keys.wrapKey, av, b64u.decode(d.wrappedKey));
        same(at(`recipient ${n} unwrapped`), b64u.encode(unwrapped), i.C);
        same(at(`recipient ${n} share link`), link.shareLink(i.server, r.id, K), c.links.share[n]);
        if (n > 0) {
          // Another link's wrapped key does not open under this link's keys.
          let refused = false;
          try {
            await secret.unwrapContentKey(keys.wrapKey, av, b64u.decode(c.derived.recipients[0].wrappedKey));
          } catch {
            refused = true;
          }
          same(at(`recipient ${n} refuses recipient 0's wrapped key`), refused, true);
        }
      }
      if (c.stream) {
        const fileKey = await secret.aesKey(content.fileKey);
        const plain = await secret.openStream(fileKey, b64u.decode(c.stream.bytes));
        same(at('stream plaintext length'), plain.length, c.stream.plaintextLength);
      }
    } catch (e) {
      failures.push(at(`threw ${e && e.message}`));
    }
  }
  return { checked, failures };

  function sizeOf(file) {
    if ('utf8' in file.content) return new TextEncoder().encode(file.content.utf8).length;
    return file.content.pattern.length;
  }
}
