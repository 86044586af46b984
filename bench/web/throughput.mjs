// Browser throughput of one-time secret files: encrypt+upload and download+decrypt of one file in
// Debian's Chromium (driven by playwright-core from web/node_modules) against a running Parley
// server. Prints one JSON line per run. Used by bench/web/run.sh; see docs/benchmarks.md ("Web").
//
//   node bench/web/throughput.mjs <server-url> <file> <runs>
import { createRequire } from 'node:module';
import { createReadStream, readFileSync, readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
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
// Resident memory of every browser process this script started (Linux /proc): the sum over the
// browser, renderer, GPU and utility processes, an upper bound (shared pages count once per process).
function browserRssBytes() {
  const parent = new Map();
  const rss = new Map();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(pid, fields[1]);
      rss.set(pid, Number(fields[21]) * 4096);
    } catch {
      // the process ended meanwhile
    }
  }
  let total = 0;
  for (const [pid, bytes] of rss) {
    for (let p = parent.get(pid); p && p !== '0' && p !== '1'; p = parent.get(p)) {
      if (p === String(process.pid)) {
        total += bytes;
        break;
      }
    }
  }
  return total;
}
function sampleMemory(page) {
  const peak = { heap: 0, rss: 0 };
  const timer = setInterval(() => {
    peak.rss = Math.max(peak.rss, browserRssBytes());
    page.evaluate(() => performance.memory.usedJSHeapSize).then((h) => { peak.heap = Math.max(peak.heap, h); }, () => {});
  }, 250);
  return () => {
    clearInterval(timer);
    return peak;
  };
}
const sha256 = (path) => new Promise((resolve, reject) => {
  const h = createHash('sha256');
  createReadStream(path).on('data', (d) => h.update(d)).on('end', () => resolve(h.digest('hex'))).on('error', reject);
});
const expected = await sha256(file);
// Waits for `done`, or fails at once with the message of an error the page shows instead.
async function untilDone(page, done) {
  const alert = page.getByRole('alert').first();
  const failed = alert.waitFor({ timeout: 600_000 }).then(async () => { throw new Error(`the page says: ${await alert.innerText()}`); });
  failed.catch(() => {});
  return Promise.race([done, failed]);
}
const mib = (b) => Math.round(b / 1048576);
const mbps = (ms) => Math.round((bytes / 1e6 / (ms / 1000)) * 10) / 10;

try {
  for (let run = 1; run <= runs; run++) {
    const creatorContext = await browser.newContext();
    const creator = await creatorContext.newPage();
    await creator.goto(server + '/');
    await creator.getByRole('heading', { name: 'Share a secret' }).waitFor();
    await creator.locator('#files').setInputFiles(file);
    const stopUpload = sampleMemory(creator);
    const t0 = performance.now();
    await creator.getByRole('button', { name: 'Create secret link' }).click();
    await untilDone(creator, creator.getByRole('heading', { name: 'Your secret link is ready' }).waitFor({ timeout: 600_000 }));
    const upload = performance.now() - t0;
    const uploadPeak = stopUpload();
    const share = await creator.locator('#share-link').inputValue();
    await creatorContext.close();

    const readerContext = await browser.newContext({ acceptDownloads: true });
    const reader = await readerContext.newPage();
    await reader.goto(share);
    await reader.getByRole('button', { name: 'Reveal secret' }).click();
    const save = reader.getByRole('button', { name: /^Save / });
    await save.waitFor();
    const t1 = performance.now();
    // The page's JavaScript heap and the browser's resident memory, sampled every 250 ms while the
    // file streams: they must stay far below the file size.
    const stopDownload = sampleMemory(reader);
    const [download] = await Promise.all([untilDone(reader, reader.waitForEvent('download', { timeout: 600_000 })), save.click()]);
    const path = await download.path();
    const downloadMs = performance.now() - t1;
    const downloadPeak = stopDownload();
    const failure = await download.failure();
    if (failure || statSync(path).size !== bytes) throw new Error(`download failed: ${failure ?? 'wrong size'}`);
    if ((await sha256(path)) !== expected) throw new Error('the saved file differs from the original');
    await readerContext.close();
    console.log(JSON.stringify({ run, bytes, encryptUploadMs: Math.round(upload), encryptUploadMBps: mbps(upload), downloadDecryptMs: Math.round(downloadMs), downloadDecryptMBps: mbps(downloadMs), peakPageHeapMiB: mib(Math.max(uploadPeak.heap, downloadPeak.heap)), peakBrowserRssMiB: { upload: mib(uploadPeak.rss), download: mib(downloadPeak.rss) } }));
  }
} finally {
  await browser.close();
}
