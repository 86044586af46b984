// Runs probes in Debian's Chromium against bench/web/probe/server.mjs; one JSON line per run.
//   node bench/web/probe/run.mjs '[{"kind":"relay","runs":3},{"kind":"dl","runs":3}]'
// kinds: dl (worker decrypts, download), relay (page decrypts, worker streams: the app's way),
// bare (worker fetch+decrypt, discarded), pageBare (page fetch+decrypt, discarded), upload.
// Each test gets a new browser context; opts go to the page function.
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), '../../../web/package.json'));
const { chromium } = require('playwright-core');
const url = `http://127.0.0.1:${process.env.PORT ?? 18555}/`;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const sha256 = (path) =>
  new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path).on('data', (d) => h.update(d)).on('end', () => resolve(h.digest('hex'))).on('error', reject);
  });
const mbps = (bytes, ms) => +(bytes / 1e3 / ms).toFixed(1);
try {
  for (const t of JSON.parse(process.argv[2])) {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(url);
    const meta = await page.evaluate(() => window.setup());
    for (let r = 0; r < (t.runs ?? 2); r++) {
      const t0 = performance.now();
      if (t.kind === 'dl' || t.kind === 'relay') {
        const fn = t.kind === 'dl' ? 'swDownload' : 'relay';
        const [download] = await Promise.all([page.waitForEvent('download'), page.evaluate(([f, o]) => window[f](o), [fn, t.opts ?? {}])]);
        const path = await download.path();
        const ms = performance.now() - t0;
        const ok = statSync(path).size === meta.n && (await sha256(path)) === meta.plainHash;
        console.log(JSON.stringify({ t, ms: Math.round(ms), MBps: mbps(meta.n, ms), ok }));
      } else if (t.kind === 'bare') {
        const res = await page.evaluate((o) => window.swBare(o), t.opts ?? {});
        console.log(JSON.stringify({ t, ms: Math.round(res.ms), MBps: mbps(res.bytes || meta.n, res.ms) }));
      } else {
        console.log(JSON.stringify({ t, ...(await page.evaluate(([k, o]) => window[k](o), [t.kind, t.opts ?? {}])) }));
      }
    }
    await context.close();
  }
} finally {
  await browser.close();
}
