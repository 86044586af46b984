// Checks a format module against docs/request-format-vectors.json; returns the mismatches. Plain
// JavaScript with no imports, shared by vitest and the in-browser test (like run-vectors.js).

/**
 * @param {{ b64u: any, secret: any, request: any }} f the format module (src/format/index.ts)
 * @param {any} v the parsed vectors file
 */
export async function runRequestVectors(f, v) {
  const { b64u, secret, request } = f;
  const failures = [];
  let checked = 0;
  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  const same = (where, actual, expected) => {
    checked++;
    if (actual !== expected) failures.push(`${where}: expected ${String(expected).slice(0, 60)} got ${String(actual).slice(0, 60)}`);
  };
  const bytesOf = (c) => {
    if ('utf8' in c) return new TextEncoder().encode(c.utf8);
    const out = new Uint8Array(c.pattern.length);
    for (let j = 0; j < out.length; j++) out[j] = (c.pattern.seed + 31 * j) % 251;
    return out;
  };
  for (const c of v.cases) {
    const at = (w) => `${c.name}: ${w}`;
    try {
      const i = c.inputs;
      const d = c.derived;
      const a = b64u.decode(i.a);
      const e = b64u.decode(i.e);
      const A = await request.publicKeyOf(a);
      same(at('A'), b64u.encode(A), d.A);
      const RT = await request.requestToken(a);
      same(at('RT'), b64u.encode(RT), d.RT);
      same(at('token verifier'), b64u.encode(await secret.sha256(RT)), d.tokenVerifier);
      const ST = await request.sendToken(A);
      same(at('ST'), b64u.encode(ST), d.ST);
      same(at('send verifier'), b64u.encode(await secret.sha256(ST)), d.sendVerifier);
      const responder = await request.responderLinkKey(A, e);
      same(at('E'), b64u.encode(responder.ephemeralPublic), d.E);
      same(at('Z'), b64u.encode(await request.agree(e, A)), d.Z);
      same(at('K (responder)'), b64u.encode(responder.linkKey), d.K);
      const K = await request.requesterLinkKey(a, responder.ephemeralPublic);
      same(at('K (requester)'), b64u.encode(K), d.K);
      const keys = await secret.deriveKeyBytes(K, null);
      same(at('AK'), b64u.encode(keys.accessKey), d.AK);
      same(at('access verifier'), b64u.encode(await secret.sha256(keys.accessKey)), d.accessVerifier);
      same(at('MK'), b64u.encode(keys.manifestKey), d.MK);
      same(at('FK'), b64u.encode(keys.fileKey), d.FK);
      const contents = i.files.map((x) => bytesOf(x.content));
      const json = secret.manifestJson(i.text, i.files.map((x, n) => ({ name: x.name, size: contents[n].length, type: x.type })));
      same(at('manifest JSON'), new TextDecoder().decode(json), c.manifest.json);
      const sealed = await secret.sealManifest(await secret.aesKey(keys.manifestKey), json, b64u.decode(i.manifestNonce));
      same(at('sealed manifest'), b64u.encode(sealed), c.manifest.sealed);
      if (c.stream) {
        const plain = new Uint8Array(contents.reduce((n, b) => n + b.length, 0));
        let o = 0;
        for (const b of contents) {
          plain.set(b, o);
          o += b.length;
        }
        const stream = await secret.sealStream(await secret.aesKey(keys.fileKey), b64u.decode(i.streamPrefix), plain);
        same(at('stream length'), stream.length, c.stream.length);
        same(at('stream SHA-256'), hex(await secret.sha256(stream)), c.stream.sha256);
      }
      same(at('send link'), request.sendLink(i.server, i.id, A), c.links.send);
      same(at('private link'), request.privateLink(i.server, i.id, a), c.links.private);
      const send = request.parseRequestLink(c.links.send, 'send');
      same(at('parsed send link'), `${send.server} ${send.id} ${b64u.encode(send.key)}`, `${i.server} ${i.id} ${d.A}`);
      const priv = request.parseRequestLink(c.links.private, 'private');
      same(at('parsed private link'), `${priv.server} ${priv.id} ${b64u.encode(priv.key)}`, `${i.server} ${i.id} ${i.a}`);
    } catch (err) {
      failures.push(at(`threw ${err && err.message}`));
    }
  }
  for (const low of v.lowOrderPublicKeys) {
    checked++;
    try {
      await request.responderLinkKey(b64u.decode(low));
      failures.push(`low-order public key ${low} accepted`);
    } catch {
      // rejected, as it must be
    }
  }
  for (const link of v.damagedLinks) {
    checked++;
    try {
      request.parseRequestLink(link);
      failures.push(`damaged request link accepted: ${link}`);
    } catch {
      // rejected
    }
  }
  return { checked, failures };
}
