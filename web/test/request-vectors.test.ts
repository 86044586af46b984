// docs/request-format-vectors.json (made by scripts/request-vectors.mjs on Node's crypto key
// objects) against the TypeScript request module on WebCrypto.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import * as format from '../src/format/index';
// @ts-expect-error plain JavaScript shared with the browser test
import { runRequestVectors } from './run-request-vectors.js';

it('passes every published request-format vector', async () => {
  const vectors: unknown = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../docs/request-format-vectors.json'), 'utf8'));
  const { checked, failures } = (await runRequestVectors(format, vectors)) as { checked: number; failures: string[] };
  expect(failures).toEqual([]);
  expect(checked).toBeGreaterThan(40);
});

it('tells a private link given for a send link, and the reverse', () => {
  const id = 'AAAAAAAAAAAAAAAAAAAAAA';
  const key = 'A'.repeat(43);
  expect(() => format.request.parseRequestLink(`https://p.example/r/${id}/answer#${key}`, 'send')).toThrow('this is a private answer link, not a request link to answer');
  expect(() => format.request.parseRequestLink(`https://p.example/r/${id}#${key}`, 'private')).toThrow('this is a request link to answer, not a private answer link');
});
