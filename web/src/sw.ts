/// <reference lib="webworker" />
// Parley's service worker does one thing: it turns plaintext that the page decrypts, piece by piece,
// into a streamed download, so a file of any size is saved without holding it in memory. It caches
// nothing and sees no key: the page decrypts, the worker only forwards bytes to the browser's
// download. Served from /app/sw.js, its scope is /app/; downloads live under /app/dl/{id}/{name}.
// This file has no imports, so the built script is valid as a classic worker script.

const worker = self as unknown as ServiceWorkerGlobalScope;

interface Pending {
  port: MessagePort;
  name: string;
  size: number;
}

const pending = new Map<string, Pending>();

worker.addEventListener('install', () => {
  void worker.skipWaiting();
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(worker.clients.claim());
});

worker.addEventListener('message', (event: ExtendableMessageEvent) => {
  const data: unknown = event.data;
  if (typeof data !== 'object' || data === null) return;
  const msg = data as { type?: unknown; id?: unknown; name?: unknown; size?: unknown };
  if (msg.type === 'parley-download' && typeof msg.id === 'string' && /^[0-9a-f]{32}$/.test(msg.id)) {
    const port = event.ports[0];
    if (!port || typeof msg.name !== 'string' || typeof msg.size !== 'number') return;
    pending.set(msg.id, { port, name: msg.name, size: msg.size });
    port.postMessage({ type: 'ready' });
  } else if (msg.type === 'parley-keepalive') {
    // A download in progress keeps the worker alive between pieces.
    event.waitUntil(new Promise((resolve) => setTimeout(resolve, 20000)));
  }
});

function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Bytes the worker asks the page for ahead of the browser's writing. */
const QUEUED_BYTES = 4 * 1024 * 1024;

function streamFrom(p: Pending): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        // One request at a time: the page answers with every piece it has decrypted so far.
        return new Promise<void>((resolve) => {
          p.port.onmessage = (m: MessageEvent) => {
            const d = m.data as { type?: string; pieces?: unknown };
            if (d.type === 'pieces' && Array.isArray(d.pieces) && d.pieces.every((x) => x instanceof Uint8Array)) {
              for (const piece of d.pieces as Uint8Array[]) controller.enqueue(piece);
            } else if (d.type === 'end') {
              controller.close();
              p.port.close();
            } else {
              controller.error(new Error('the download failed'));
              p.port.close();
            }
            resolve();
          };
          p.port.postMessage({ type: 'pull' });
        });
      },
      cancel() {
        p.port.postMessage({ type: 'cancel' });
        p.port.close();
      },
    },
    // Up to 4 MiB queued: the page decrypts the next pieces while the browser writes these.
    { highWaterMark: QUEUED_BYTES, size: (chunk) => chunk.byteLength },
  );
}

worker.addEventListener('fetch', (event: FetchEvent) => {
  const url = new URL(event.request.url);
  const m = /^\/app\/dl\/([0-9a-f]{32})\//.exec(url.pathname);
  if (url.origin !== worker.location.origin || !m) return;
  const p = pending.get(m[1]!);
  if (!p) return;
  pending.delete(m[1]!);
  event.respondWith(
    new Response(streamFrom(p), {
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Disposition': contentDisposition(p.name),
        'Content-Length': String(p.size),
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-store',
      },
    }),
  );
});
