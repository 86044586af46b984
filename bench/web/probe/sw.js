// Probe service worker. Two ways to stream a download:
//  /dl/{id}: the worker itself fetches and decrypts (the page only hands over the CryptoKey);
//  /rl/{id}: the page decrypts and posts the plaintext pieces (what web/src/save.ts does).
importScripts('/dec.js');
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));

const own = new Map();
const relayed = new Map();
self.addEventListener('message', (e) => {
  const d = e.data;
  if (d.type === 'dl') own.set(d.id, { ...d, port: e.ports[0] });
  else if (d.type === 'relay') relayed.set(d.id, { ...d, port: e.ports[0] });
  else if (d.type === 'bare') return void e.waitUntil(bare(d, e.ports[0]));
  else return;
  e.ports[0].postMessage({ type: 'ready' });
});

const headers = (p) => ({ 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="probe.bin"', 'content-length': String(p.total) });
const queued = (p) => ({ highWaterMark: p.hwm ?? 4 * 1048576, size: (c) => c.byteLength });

self.addEventListener('fetch', (e) => {
  const m = /^\/(dl|rl)\/(\w+)$/.exec(new URL(e.request.url).pathname);
  if (!m) return;
  const map = m[1] === 'dl' ? own : relayed;
  const p = map.get(m[2]);
  if (!p) return;
  map.delete(m[2]);
  let source;
  if (m[1] === 'dl') {
    const dec = decryptor(p);
    source = { start: () => dec.start(), pull: (c) => dec.pull(c) };
  } else {
    source = {
      pull: (c) =>
        new Promise((resolve) => {
          p.port.onmessage = (msg) => {
            if (msg.data.type === 'end') {
              c.close();
              p.port.postMessage({ type: 'closed' });
            } else for (const x of msg.data.pieces) c.enqueue(new Uint8Array(x));
            resolve();
          };
          p.port.postMessage({ type: 'pull' });
        }),
    };
  }
  e.respondWith(new Response(new ReadableStream(source, queued(p)), { headers: headers(p) }));
});
