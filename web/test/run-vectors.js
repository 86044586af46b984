// Checks a format module against docs/secret-format-vectors.json and returns the list of
// mismatches (empty when every vector passes). Plain JavaScript with no imports, so the same file
// runs under vitest (with the TypeScript sources) and inside Chromium (with the built
// /app/assets/parley-format.js), where Parley.Web.Tests serves it to the page.

/**
 * @param {{ b64u: any, link: any, secret: any }} f the format module (src/format/index.ts)
 * @param {any} v the parsed vectors file
 * @returns {Promise<{ checked: number, failures: string[] }>}
 */
export async function runVectors(f, v) {
  const { b64u, link, secret } = f;
  const failures = [];
  let checked = 0;
  const enc = new TextEncoder();
  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  const same = (where, actual, expected) => {
    checked++;
    if (actual !== expected) failures.push(`${where}: expected ${String(expected).slice(0, 80)} got ${String(actual).slice(0, 80)}`);
  };
  const bytesOf = (content) => {
    if ('utf8' in content) return enc.encode(content.utf8);
    if ('pattern' in content) {
      const { length, seed } = content.pattern;
      const out = new Uint8Array(length);
      for (let j = 0; j < length; j++) out[j] = (seed + 31 * j) % 251;
      return out;
    }
    if ('b64u' in content) return b64u.decode(content.b64u);
    throw new Error('unknown file content form');
  };

  for (const c of v.cases) {
    const at = (what) => `${c.name}: ${what}`;
    try {
      const i = c.inputs;
      const K = b64u.decode(i.K);
      const pass = i.passphrase === null ? null : { passphrase: i.passphrase, salt: b64u.decode(i.salt), iterations: i.iterations };
      if (pass) same(at('passphrase bytes'), b64u.encode(secret.passphraseBytes(i.passphrase)), c.derived.passphraseBytes);
      const keys = await secret.deriveKeyBytes(K, pass);
      const d = c.derived;
      same(at('S'), keys.stretched ? b64u.encode(keys.stretched) : null, d.S);
      same(at('AK'), b64u.encode(keys.accessKey), d.AK);
      same(at('access verifier'), b64u.encode(await secret.sha256(keys.accessKey)), d.accessVerifier);
      same(at('PP'), keys.passphraseProof ? b64u.encode(keys.passphraseProof) : null, d.PP);
      same(at('passphrase verifier'), keys.passphraseProof ? b64u.encode(await secret.sha256(keys.passphraseProof)) : null, d.passphraseVerifier);
      same(at('MK'), b64u.encode(keys.manifestKey), d.MK);
      same(at('FK'), b64u.encode(keys.fileKey), d.FK);

      const contents = i.files.map((file) => bytesOf(file.content));
      const files = i.files.map((file, n) => ({ name: file.name, size: contents[n].length, type: file.type }));
      const json = secret.manifestJson(i.text, files);
      same(at('manifest JSON'), new TextDecoder().decode(json), c.manifest.json);
      same(at('manifest JSON bytes'), b64u.encode(json), c.manifest.jsonBytes);
      same(at('padded manifest'), b64u.encode(secret.padManifest(json)), c.manifest.padded);
      const mk = await secret.aesKey(keys.manifestKey);
      const sealed = await secret.sealManifest(mk, json, b64u.decode(i.manifestNonce));
      same(at('sealed manifest'), b64u.encode(sealed), c.manifest.sealed);
      same(at('sealed manifest length'), sealed.length, c.manifest.sealedLength);
      const opened = await secret.openManifest(mk, b64u.decode(c.manifest.sealed));
      same(at('opened text'), opened.text, i.text);
      same(at('opened files'), JSON.stringify(opened.files), JSON.stringify(files));

      if (c.stream) {
        const plain = new Uint8Array(contents.reduce((n, b) => n + b.length, 0));
        let o = 0;
        for (const b of contents) {
          plain.set(b, o);
          o += b.length;
        }
        const s = c.stream;
        same(at('plaintext length'), plain.length, s.plaintextLength);
        same(at('plaintext SHA-256'), hex(await secret.sha256(plain)), s.plaintextSha256);
        const prefix = b64u.decode(i.streamPrefix);
        same(at('stream header'), b64u.encode(secret.streamHeader(prefix)), s.header);
        const fk = await secret.aesKey(keys.fileKey);
        const stream = await secret.sealStream(fk, prefix, plain);
        same(at('stream length'), stream.length, s.length);
        same(at('stream length formula'), secret.streamLength(plain.length), s.length);
        same(at('stream SHA-256'), hex(await secret.sha256(stream)), s.sha256);
        if (s.bytes) same(at('stream bytes'), b64u.encode(stream), s.bytes);
        for (const ch of s.chunks) {
          same(at(`chunk ${ch.index} nonce`), b64u.encode(secret.chunkNonce(prefix, ch.index, ch.last)), ch.nonce);
          const start = secret.chunkOffset(ch.index);
          const sealedChunk = stream.subarray(start, start + ch.ciphertextLength);
          same(at(`chunk ${ch.index} tag`), b64u.encode(sealedChunk.subarray(sealedChunk.length - 16)), ch.tag);
          same(at(`chunk ${ch.index} SHA-256`), hex(await secret.sha256(sealedChunk)), ch.ciphertextSha256);
        }
        const back = await secret.openStream(fk, stream);
        same(at('stream opens to the plaintext'), hex(await secret.sha256(back)), s.plaintextSha256);
      }
      same(at('share link'), link.shareLink(i.server, i.id, K), c.links.share);
      same(at('manage link'), link.manageLink(i.server, i.id, i.manageToken), c.links.manage);
    } catch (e) {
      failures.push(at(`threw ${e && e.message}`));
    }
  }

  for (const l of v.links.valid) {
    try {
      const p = link.parseLink(l.input);
      same(`link ${l.input.trim()}: kind`, p.kind === 's' ? 'share' : 'manage', l.kind);
      same(`link ${l.input.trim()}: server`, p.server, l.server);
      same(`link ${l.input.trim()}: id`, p.id, l.id);
      same(`link ${l.input.trim()}: secret`, b64u.encode(p.secret), l.secret);
    } catch (e) {
      failures.push(`valid link ${l.input} rejected: ${e && e.message}`);
    }
  }
  for (const l of v.links.damaged) {
    checked++;
    try {
      link.parseLink(l.input);
      failures.push(`damaged link (${l.reason}) accepted: ${l.input}`);
    } catch (e) {
      if (!(e instanceof link.DamagedLinkError)) failures.push(`damaged link ${l.input} threw ${e && e.name}`);
    }
  }
  for (const n of v.fileNames) same(`file name ${JSON.stringify(n.input)}`, secret.sanitizeFileName(n.input), n.output);
  for (const set of v.fileNameSets) {
    same(`file name set ${JSON.stringify(set.inputs).slice(0, 60)}`, JSON.stringify(secret.uniqueFileNames(set.inputs)), JSON.stringify(set.outputs));
  }
  return { checked, failures };
}
