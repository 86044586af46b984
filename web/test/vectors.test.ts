// docs/secret-format-vectors.json (made by scripts/secret-vectors.mjs, an independent JavaScript
// implementation) against the TypeScript sources. Parley.Web.Tests runs the same runner in Chromium
// against the built bundle.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import * as format from '../src/format/index';
// @ts-expect-error plain JavaScript shared with the browser test
import { runVectors } from './run-vectors.js';

it('passes every published format vector', async () => {
  const vectors: unknown = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../docs/secret-format-vectors.json'), 'utf8'));
  const { checked, failures } = (await runVectors(format, vectors)) as { checked: number; failures: string[] };
  expect(failures).toEqual([]);
  expect(checked).toBeGreaterThan(150);
});
