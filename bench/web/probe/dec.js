// The download side of the probes, shared by the page and the service worker (classic script).
// decryptor(p) fetches /ct and decrypts it batch by batch with WebCrypto, the way
// web/src/transfer.ts does: BYOB reads into one reused buffer, `batch` chunks per batch, `ahead`
// batches in flight. Options: p.noFetch (decrypt one in-memory batch over and over: WebCrypto
// alone), p.noDecrypt (read the body only), p.free (detach each result after use).
const CH = 65536;
const SC = 65552;

function nonce(prefix, i, last) {
  const n = new Uint8Array(12);
  n.set(prefix);
  new DataView(n.buffer).setUint32(7, i);
  n[11] = last ? 1 : 0;
  return n;
}

async function fill(reader, buf, off, size) {
  let filled = 0;
  while (filled < size) {
    const { value, done } = await reader.read(new Uint8Array(buf, off + filled, size - filled));
    if (value) buf = value.buffer;
    if (done) break;
    filled += value.length;
  }
  return { buf, filled };
}

function decryptor(p) {
  const total = p.total;
  const chunks = Math.ceil(total / CH);
  const batch = p.batch ?? 16;
  const ahead = p.ahead ?? 4;
  const sealedLength = (i) => (i === chunks - 1 ? total - i * CH + 16 : SC);
  let reader;
  let prefix;
  let buf;
  let next = 0;
  const queue = [];
  let chain = Promise.resolve();
  const t0 = performance.now();
  async function start() {
    buf = new ArrayBuffer(batch * SC);
    if (p.noFetch) {
      const r = await fetch('/ct', { headers: { range: 'bytes=0-' + (8 + batch * SC - 1) } });
      const b = new Uint8Array(await r.arrayBuffer());
      prefix = b.slice(1, 8);
      new Uint8Array(buf).set(b.subarray(8));
      return;
    }
    const r = await fetch('/ct');
    reader = r.body.getReader({ mode: 'byob' });
    const f = await fill(reader, buf, 0, 8);
    buf = f.buf;
    prefix = new Uint8Array(buf.slice(1, 8));
  }
  async function readBatch(first) {
    const last = Math.min(chunks - 1, first + batch - 1);
    let size = 0;
    for (let i = first; i <= last; i++) size += sealedLength(i);
    if (!p.noFetch) buf = (await fill(reader, buf, 0, size)).buf;
    if (p.noDecrypt) return { done: Promise.resolve([]) };
    const ops = [];
    for (let i = first, at = 0; i <= last; at += sealedLength(i), i++) {
      // noFetch decrypts the first batch again and again: its chunks' own counters.
      const iv = nonce(prefix, p.noFetch ? i % batch : i, p.noFetch ? false : i === chunks - 1);
      ops.push(crypto.subtle.decrypt({ name: 'AES-GCM', iv }, p.key, new Uint8Array(buf, at, sealedLength(i))));
    }
    const done = Promise.all(ops);
    done.catch(() => {});
    return { done };
  }
  return {
    start,
    async pull(controller) {
      while (queue.length < ahead && next < chunks) {
        const first = next;
        next = Math.min(chunks, next + batch);
        const b = chain.then(() => readBatch(first)); // reads in order, one at a time
        chain = b.then(() => {}, () => {});
        b.catch(() => {});
        queue.push(b.then((x) => x.done));
      }
      if (queue.length === 0) {
        controller.close();
        p.port?.postMessage({ type: 'done', ms: performance.now() - t0 });
        return;
      }
      for (const x of await queue.shift()) controller.enqueue(new Uint8Array(x));
      p.port?.postMessage({ type: 'progress', n: next });
    },
  };
}

/** Fetch and decrypt, discarding the plaintext. */
async function bare(d, port) {
  const p = { ...d, port };
  const dec = decryptor(p);
  await dec.start();
  let bytes = 0;
  const t0 = performance.now();
  for (let closed = false; !closed; ) {
    await dec.pull({
      enqueue: (x) => {
        bytes += x.length;
        if (p.free) x.buffer.transfer(0);
      },
      close: () => (closed = true),
    });
  }
  const ms = performance.now() - t0;
  port?.postMessage({ type: 'bare', ms, bytes });
  return { ms, bytes };
}
