// docs/secret-format-recipients-vectors.json (docs/secret-format.md §7, made by scripts/secret-vectors.mjs
// --recipients) against the TypeScript sources. Parley.Web.Tests runs the same runner in Chromium
// against the built bundle.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import * as format from '../src/format/index';
// @ts-expect-error plain JavaScript shared with the browser test
import { runRecipientVectors } from './run-recipient-vectors.js';

it('passes every published several-recipients vector', async () => {
  const vectors: unknown = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../docs/secret-format-recipients-vectors.json'), 'utf8'));
  const { checked, failures } = (await runRecipientVectors(format, vectors)) as { checked: number; failures: string[] };
  expect(failures).toEqual([]);
  expect(checked).toBeGreaterThan(40);
});

it('seals for several recipients so that every link opens the same content, and only its own', async () => {
  const sealed = await format.seal.seal({ text: 'shared', files: [], passphrase: null, iterations: 1000, recipients: ['alice', null] });
  expect(sealed.accessVerifier).toBeNull();
  expect(sealed.recipients?.map((r) => r.label)).toEqual(['alice', null]);
  const links = ['id-alice-xxxxxxxxxxxxx', 'id-recipient-2xxxxxxxx'].map((id, i) => sealed.shareLink('https://p.example', id, i));
  expect(new Set(links).size).toBe(2);
  for (const [i, l] of links.entries()) {
    const key = format.b64u.decode(l.split('#')[1]!) as Uint8Array<ArrayBuffer>;
    const opener = await format.seal.prepareOpen(key, null);
    const { manifest } = await opener.open({ manifest: sealed.manifest, wrappedKey: sealed.recipients![i]!.wrappedKey });
    expect(manifest.text).toBe('shared');
    const wrong = await format.seal.prepareOpen(key, null);
    await expect(wrong.open({ manifest: sealed.manifest, wrappedKey: sealed.recipients![1 - i]!.wrappedKey })).rejects.toThrow();
  }
  sealed.wipe();
});
