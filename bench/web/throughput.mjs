// Browser throughput of one-time secret files: encrypt+upload and download+decrypt of one file in
// Debian's Chromium (driven by playwright-core from web/node_modules) against a running Parley
// server. Prints one JSON line per run. Used by bench/web/run.sh; see docs/benchmarks.md ("Web").
//
//   node bench/web/throughput.mjs <server-url> <file> <runs>
import { createRequire } from 'node:module';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), '../../web/package.json'));
const { chromium } = require('playwright-core');

const [server, file, runsText] = process.argv.slice(2);
const runs = Number(runsText ?? 3);
const bytes = statSync(file).size;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const mbps = (ms) => Math.round((bytes / 1e6 / (ms / 1000)) * 10) / 10;

try {
  for (let run = 1; run <= runs; run++) {
    const creatorContext = await browser.newContext();
    const creator = await creatorContext.newPage();
    await creator.goto(server + '/');
    await creator.getByRole('heading', { name: 'Share a secret' }).waitFor();
    await creator.locator('#files').setInputFiles(file);
    const t0 = performance.now();
    await creator.getByRole('button', { name: 'Create secret link' }).click();
    await creator.getByRole('heading', { name: 'Your secret link is ready' }).waitFor({ timeout: 600_000 });
    const upload = performance.now() - t0;
    const share = await creator.locator('#share-link').inputValue();
    await creatorContext.close();

    const readerContext = await browser.newContext({ acceptDownloads: true });
    const reader = await readerContext.newPage();
    await reader.goto(share);
    await reader.getByRole('button', { name: 'Reveal secret' }).click();
    const save = reader.getByRole('button', { name: /^Save / });
    await save.waitFor();
    const t1 = performance.now();
    // The page's JavaScript heap, sampled while the file streams: it must stay far below the file size.
    let peakHeap = 0;
    const sampler = setInterval(() => {
      reader.evaluate(() => performance.memory.usedJSHeapSize).then((h) => { peakHeap = Math.max(peakHeap, h); }, () => {});
    }, 250);
    const [download] = await Promise.all([reader.waitForEvent('download', { timeout: 600_000 }), save.click()]);
    const path = await download.path();
    clearInterval(sampler);
    const downloadMs = performance.now() - t1;
    const failure = await download.failure();
    if (failure || statSync(path).size !== bytes) throw new Error(`download failed: ${failure ?? 'wrong size'}`);
    await readerContext.close();
    console.log(JSON.stringify({ run, bytes, encryptUploadMs: Math.round(upload), encryptUploadMBps: mbps(upload), downloadDecryptMs: Math.round(downloadMs), downloadDecryptMBps: mbps(downloadMs), peakPageHeapMiB: Math.round(peakHeap / 1048576) }));
  }
} finally {
  await browser.close();
}
