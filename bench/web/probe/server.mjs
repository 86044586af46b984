// Probe server (docs/benchmarks.md, "Web", probes): serves the probe page and scripts, a synthetic
// file stream in the secret format (ranged GET /ct, sealed with a fixed test key) and a PUT /upload
// sink that counts and discards. No Parley code runs: the probes measure what the browser can do.
//
//   PORT=18555 MIB=256 node bench/web/probe/server.mjs
import http from 'node:http';
import { readFileSync } from 'node:fs';
import crypto from 'node:crypto';

const n = Number(process.env.MIB ?? 256) * 1048576;
const key = Buffer.alloc(32, 7); // a fixed test key: the probe's stream protects nothing
const prefix = Buffer.from([1, 2, 3, 4, 5, 6, 7]);
const chunks = Math.max(1, Math.ceil(n / 65536));
const plain = crypto.randomBytes(n);
const stream = Buffer.alloc(8 + n + 16 * chunks);
stream[0] = 1;
prefix.copy(stream, 1);
for (let i = 0; i < chunks; i++) {
  const nonce = Buffer.alloc(12);
  prefix.copy(nonce, 0);
  nonce.writeUInt32BE(i, 7);
  nonce[11] = i === chunks - 1 ? 1 : 0;
  const c = crypto.createCipheriv('aes-256-gcm', key, nonce);
  const sealed = Buffer.concat([c.update(plain.subarray(i * 65536, Math.min(n, (i + 1) * 65536))), c.final(), c.getAuthTag()]);
  sealed.copy(stream, 8 + i * 65552);
}
const plainHash = crypto.createHash('sha256').update(plain).digest('hex');
const files = { '/': ['text/html', 'page.html'], '/probe.js': ['text/javascript', 'probe.js'], '/sw.js': ['text/javascript', 'sw.js'], '/dec.js': ['text/javascript', 'dec.js'] };

http
  .createServer((req, res) => {
    const u = new URL(req.url, 'http://probe');
    if (files[u.pathname]) {
      const [type, file] = files[u.pathname];
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(readFileSync(new URL(file, import.meta.url)));
    } else if (u.pathname === '/meta') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ n, key: key.toString('hex'), plainHash }));
    } else if (u.pathname === '/ct') {
      const r = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
      const from = r ? Number(r[1]) : 0;
      const to = r && r[2] ? Number(r[2]) : stream.length - 1;
      res.writeHead(r ? 206 : 200, { 'content-type': 'application/octet-stream', 'content-length': to - from + 1 });
      const body = stream.subarray(from, to + 1);
      let at = 0;
      const write = () => {
        while (at < body.length) {
          const more = res.write(body.subarray(at, at + (1 << 20)));
          at += 1 << 20;
          if (!more) return void res.once('drain', write);
        }
        res.end();
      };
      write();
    } else if (u.pathname === '/upload' && req.method === 'PUT') {
      let got = 0;
      req.on('data', (d) => (got += d.length));
      req.on('end', () => {
        res.writeHead(200);
        res.end(String(got));
      });
    } else {
      res.writeHead(404);
      res.end();
    }
  })
  .listen(Number(process.env.PORT ?? 18555), '127.0.0.1', () => console.log('ready'));
