// Saving a decrypted file. In order of preference:
//  1. a streamed download through Parley's service worker (bounded memory, any size);
//  2. the File System Access API (bounded memory; Chromium, when no worker is available);
//  3. an in-memory Blob (every browser; limited to files that fit in memory).
// A failure mid-way errors the download (the browser discards the partial file) or aborts the
// writable (nothing is kept), so a file that did not authenticate completely is never kept.

import type { Bytes } from './format/secret';

/** The plaintext of a file, in order, as batches of pieces (each piece its own buffer). */
export type PieceSource = AsyncIterable<Bytes[]>;

/** Largest file offered through an in-memory Blob when nothing can stream. */
export const BLOB_LIMIT_BYTES = 512 * 1024 * 1024;

let registration: Promise<ServiceWorkerRegistration | null> | null = null;

/** Registers the download worker (idempotent). Resolves to null where workers are unavailable. */
export function prepareStreaming(): Promise<ServiceWorkerRegistration | null> {
  if (!registration) {
    registration = (async () => {
      if (!('serviceWorker' in navigator) || !window.isSecureContext) return null;
      try {
        const reg = await navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' });
        await activated(reg);
        return reg.active ? reg : null;
      } catch {
        return null;
      }
    })();
  }
  return registration;
}

function activated(reg: ServiceWorkerRegistration): Promise<void> {
  return new Promise((resolve) => {
    if (reg.active) return resolve();
    const worker = reg.installing ?? reg.waiting;
    if (!worker) return resolve();
    const timer = setTimeout(resolve, 5000);
    worker.addEventListener('statechange', () => {
      if (worker.state === 'activated' || worker.state === 'redundant') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

function randomHex(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function clickLink(href: string, name: string): void {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.rel = 'noopener';
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
}

/**
 * Navigates a hidden frame to the worker's download address: a navigation inside the worker's
 * scope is answered by the worker, and its attachment answer becomes a download.
 */
function startDownload(href: string): void {
  const frame = document.createElement('iframe');
  frame.hidden = true;
  frame.title = 'download';
  frame.src = href;
  document.body.append(frame);
  setTimeout(() => frame.remove(), 60_000);
}

/** Batches the page decrypts ahead of the download worker's requests. */
const QUEUED_BATCHES = 4;

async function viaWorker(reg: ServiceWorkerRegistration, name: string, size: number, pieces: PieceSource): Promise<void> {
  const worker = reg.active;
  if (!worker) throw new Error('the download worker is not active');
  const id = randomHex();
  const channel = new MessageChannel();
  const port = channel.port1;
  const iterator = pieces[Symbol.asyncIterator]();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the download worker did not answer')), 5000);
    port.onmessage = (m: MessageEvent) => {
      if ((m.data as { type?: string }).type === 'ready') {
        clearTimeout(timer);
        resolve();
      }
    };
    worker.postMessage({ type: 'parley-download', id, name, size }, [channel.port2]);
  });
  const keepAlive = setInterval(() => worker.postMessage({ type: 'parley-keepalive' }), 10000);
  // The page decrypts ahead of the worker's requests (up to QUEUED_BATCHES batches), so decrypting
  // and the browser's writing overlap. A request takes everything queued; the pieces' buffers are
  // transferred, not copied.
  const queue: Bytes[][] = [];
  let wanted = false;
  let ended = false;
  let stopped = false;
  let space: (() => void) | null = null;
  try {
    await new Promise<void>((resolve, reject) => {
      const flush = (): void => {
        if (!wanted) return;
        if (queue.length > 0) {
          const batch = queue.splice(0).flat();
          port.postMessage({ type: 'pieces', pieces: batch }, batch.map((p) => p.buffer));
        } else if (ended) {
          port.postMessage({ type: 'end' });
          resolve();
        } else {
          return;
        }
        wanted = false;
        space?.();
      };
      port.onmessage = (m: MessageEvent) => {
        const type = (m.data as { type?: string }).type;
        if (type === 'pull') {
          wanted = true;
          flush();
        } else if (type === 'cancel') {
          stopped = true;
          space?.();
          reject(new Error('the download was cancelled'));
        }
      };
      startDownload(`/app/dl/${id}/${encodeURIComponent(name)}`);
      void (async () => {
        try {
          while (!stopped) {
            while (queue.length >= QUEUED_BATCHES && !stopped) await new Promise<void>((r) => (space = r));
            if (stopped) break;
            const next = await iterator.next();
            if (next.done) {
              ended = true;
              flush();
              return;
            }
            queue.push(next.value);
            flush();
          }
          await iterator.return?.(undefined);
        } catch (e) {
          stopped = true;
          port.postMessage({ type: 'error' });
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      })();
    });
  } finally {
    clearInterval(keepAlive);
    port.close();
  }
}

interface FileHandle {
  createWritable(): Promise<{ write(b: BufferSource | Blob): Promise<void>; close(): Promise<void>; abort(): Promise<void> }>;
}
type SaveFilePicker = (o: { suggestedName: string }) => Promise<FileHandle>;

async function viaFileSystem(picker: SaveFilePicker, name: string, pieces: PieceSource): Promise<void> {
  const handle = await picker({ suggestedName: name });
  const writable = await handle.createWritable();
  try {
    for await (const batch of pieces) await writable.write(new Blob(batch));
    await writable.close();
  } catch (e) {
    await writable.abort().catch(() => undefined);
    throw e;
  }
}

async function viaBlob(name: string, type: string, pieces: PieceSource): Promise<void> {
  const parts: Bytes[] = [];
  for await (const batch of pieces) parts.push(...batch);
  const url = URL.createObjectURL(new Blob(parts, { type: 'application/octet-stream' }));
  void type;
  clickLink(url, name);
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

export type SaveMethod = 'stream' | 'file-system' | 'memory';

/**
 * Saves a file whose plaintext `pieces` yields. Call it straight from a click handler: the File
 * System Access picker needs the user's gesture.
 */
export async function saveFile(name: string, type: string, size: number, pieces: () => PieceSource): Promise<SaveMethod> {
  const picker = (window as unknown as { showSaveFilePicker?: SaveFilePicker }).showSaveFilePicker;
  const reg = registration ? await registration : null;
  if (reg?.active) {
    await viaWorker(reg, name, size, pieces());
    return 'stream';
  }
  if (picker) {
    await viaFileSystem(picker.bind(window), name, pieces());
    return 'file-system';
  }
  if (size > BLOB_LIMIT_BYTES) {
    throw new Error('This browser cannot save a file this large. Open the link in a current Chrome, Edge or Firefox, or with the parley command.');
  }
  await viaBlob(name, type, pieces());
  return 'memory';
}
