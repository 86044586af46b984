// Probe page functions, called by run.mjs through page.evaluate.
let meta;
let key;

window.setup = async () => {
  await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  await navigator.serviceWorker.ready;
  meta = await (await fetch('/meta')).json();
  const raw = new Uint8Array(meta.key.match(/../g).map((h) => parseInt(h, 16)));
  key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['decrypt', 'encrypt']);
  return meta;
};

function download(path, id) {
  const f = document.createElement('iframe');
  f.hidden = true;
  f.src = `/${path}/${id}`;
  document.body.append(f);
}

/** The service worker fetches and decrypts; the page only hands over the key. */
window.swDownload = async (opts) => {
  const reg = await navigator.serviceWorker.ready;
  const id = Math.random().toString(36).slice(2);
  const ch = new MessageChannel();
  const done = new Promise((resolve) => {
    ch.port1.onmessage = (m) => {
      if (m.data.type === 'ready') download('dl', id);
      if (m.data.type === 'done') resolve(m.data);
    };
  });
  reg.active.postMessage({ type: 'dl', id, key, total: meta.n, ...opts }, [ch.port2]);
  return done;
};

/** The page fetches and decrypts and posts the pieces (transferred) to the worker, as the app does. */
window.relay = async (opts) => {
  const reg = await navigator.serviceWorker.ready;
  const id = Math.random().toString(36).slice(2);
  const ch = new MessageChannel();
  const port = ch.port1;
  const dec = decryptor({ key, total: meta.n, ...opts });
  await dec.start();
  const t0 = performance.now();
  const queue = [];
  let wanted = false;
  let ended = false;
  const flush = () => {
    if (!wanted) return;
    if (queue.length) {
      const b = queue.splice(0);
      port.postMessage({ type: 'pieces', pieces: b }, b);
      wanted = false;
    } else if (ended) {
      port.postMessage({ type: 'end' });
      wanted = false;
    }
  };
  const done = new Promise((resolve) => {
    port.onmessage = (m) => {
      if (m.data.type === 'ready') download('rl', id);
      if (m.data.type === 'pull') {
        wanted = true;
        flush();
      }
      if (m.data.type === 'closed') resolve({ ms: performance.now() - t0 });
    };
  });
  reg.active.postMessage({ type: 'relay', id, total: meta.n }, [ch.port2]);
  void (async () => {
    for (;;) {
      while (queue.length > 64) await new Promise((r) => setTimeout(r, 1));
      let closed = false;
      await dec.pull({ enqueue: (x) => queue.push(x.buffer), close: () => (closed = true) });
      if (closed) {
        ended = true;
        return flush();
      }
      flush();
    }
  })();
  return done;
};

/** Fetch and decrypt inside the service worker, plaintext discarded. */
window.swBare = async (opts) => {
  const reg = await navigator.serviceWorker.ready;
  const ch = new MessageChannel();
  const done = new Promise((resolve) => {
    ch.port1.onmessage = (m) => m.data.type === 'bare' && resolve(m.data);
  });
  reg.active.postMessage({ type: 'bare', key, total: meta.n, ...opts }, [ch.port2]);
  return done;
};

/** Fetch and decrypt in the page, plaintext discarded. */
window.pageBare = async (opts) => {
  const r = await bare({ type: 'bare', key, total: meta.n, ...opts }, null);
  return { ms: Math.round(r.ms), MBps: +(r.bytes / 1e3 / r.ms).toFixed(1) };
};

/**
 * Seal and upload as web/src/transfer.ts does (BYOB reads of a Blob, `per` chunks per part, the next
 * part sealed while one uploads, Blob bodies). mode: 'copy' gathers the sealed chunks in a reused
 * part buffer (the app), 'free' does the same and detaches each WebCrypto result after its copy,
 * 'direct' makes the part Blob from WebCrypto's results themselves.
 */
window.upload = async (opts) => {
  const total = opts.total ?? meta.n;
  const per = opts.per ?? 256;
  const mode = opts.mode ?? 'copy';
  const r16 = new Uint8Array(16 << 20);
  for (let o = 0; o < r16.length; o += 65536) crypto.getRandomValues(r16.subarray(o, o + 65536));
  const src = new Blob(Array.from({ length: Math.ceil(total / r16.length) }, () => r16)).slice(0, total);
  const chunks = Math.ceil(total / 65536);
  const prefix = new Uint8Array(7);
  const header = Uint8Array.of(1, ...prefix);
  const reader = src.stream().getReader({ mode: 'byob' });
  let plain = new ArrayBuffer(per * 65536);
  const sealedBuf = new Uint8Array(8 + per * 65552);
  async function part(first, count) {
    const size = Math.min(count * 65536, total - first * 65536);
    plain = (await fill(reader, plain, 0, size)).buf;
    const ops = [];
    for (let k = 0; k < count; k++) {
      const i = first + k;
      const chunk = new Uint8Array(plain, k * 65536, Math.min(65536, size - k * 65536));
      ops.push(crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce(prefix, i, i === chunks - 1) }, key, chunk));
    }
    const sealed = await Promise.all(ops);
    if (mode === 'direct') return new Blob(first === 0 ? [header, ...sealed] : sealed);
    let at = 0;
    if (first === 0) {
      sealedBuf.set(header);
      at = 8;
    }
    for (const c of sealed) {
      sealedBuf.set(new Uint8Array(c), at);
      at += c.byteLength;
      if (mode === 'free') c.transfer(0);
    }
    return new Blob([sealedBuf.subarray(0, at)]);
  }
  const t0 = performance.now();
  let next = part(0, Math.min(per, chunks));
  for (let first = 0; first < chunks; first += per) {
    const body = await next;
    const following = first + per;
    next = following < chunks ? part(following, Math.min(per, chunks - following)) : null;
    await fetch('/upload', { method: 'PUT', body });
  }
  const ms = performance.now() - t0;
  return { ms: Math.round(ms), MBps: +(total / 1e3 / ms).toFixed(1) };
};
