// Moving the file stream: encrypt-and-upload in Content-Range parts (Chromium cannot stream a
// request body over HTTP/1.1), and ranged download-and-decrypt of one file at a time. Memory stays
// bounded by a few parts whatever the file size.

import { api } from './api';
import {
  type Bytes,
  CHUNK_BYTES,
  FormatError,
  HEADER_BYTES,
  SEALED_CHUNK_BYTES,
  TAG_BYTES,
  chunkCount,
  chunkOffset,
  openChunk,
  parseStreamHeader,
  sealChunk,
  streamHeader,
  streamLength,
} from './format/secret';

/** Chunks decrypted together and handed to the download as one batch (1 MiB). */
export const BATCH_CHUNKS = 16;

/** Batches decrypted ahead of the one the download is writing. */
export const AHEAD_BATCHES = 4;

/** Chunks per uploaded part: 256 × 64 KiB = 16 MiB of plaintext per request (fewer, larger requests upload faster; measured in docs/benchmarks.md "Web"). */
export const PART_CHUNKS = 256;

export interface UploadOptions {
  id: string;
  manageToken: string;
  fileKey: CryptoKey;
  prefix: Bytes;
  /** The files, concatenated in manifest order (a Blob of Files copies nothing). */
  source: Blob;
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  partChunks?: number;
}

/** Encrypts and uploads the whole stream; part p+1 is encrypted while part p is on the wire. */
export async function encryptAndUpload(o: UploadOptions): Promise<void> {
  const total = o.source.size;
  const streamBytes = streamLength(total);
  const chunks = chunkCount(total);
  const per = o.partChunks ?? PART_CHUNKS;
  const sealer = new PartSealer(o.fileKey, o.prefix, o.source, total, per);
  let offset = 0;
  let done = false;
  let next: Promise<Blob> | null = sealer.part(0, Math.min(per, chunks));
  for (let first = 0; first < chunks; first += per) {
    const part: Blob = await next!;
    const following = first + per;
    next = following < chunks ? sealer.part(following, Math.min(per, chunks - following)) : null;
    next?.catch(() => undefined); // a failure is thrown where the part is awaited
    done = await api.uploadPart(o.id, o.manageToken, offset, part, streamBytes);
    offset += part.size;
    o.onProgress?.(Math.min(offset, streamBytes), streamBytes);
  }
  await sealer.finish();
  if (offset !== streamBytes || !done) throw new FormatError('the server did not confirm the complete upload');
}

/**
 * Reads a response body into buffers the caller owns. Where the body is a byte stream (Chromium,
 * Firefox) reads are BYOB: the network bytes land in the caller's buffer and no new buffer is made
 * per read, which matters because fresh buffers are the main cost of moving hundreds of MiB
 * through a page. Elsewhere it copies from ordinary reads.
 */
class BodyReader {
  private byob: ReadableStreamBYOBReader | null = null;
  private reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  private rest: Uint8Array = new Uint8Array(0);
  private ended = false;

  constructor(body: ReadableStream<Uint8Array>) {
    try {
      this.byob = body.getReader({ mode: 'byob' });
    } catch {
      this.reader = body.getReader();
    }
  }

  /**
   * Fills `target` from the stream, or as much of it as the stream still holds. BYOB reads transfer
   * the buffer: the answer is a view of the same bytes in `target`'s place (its old buffer is
   * detached), and `filled` says how many bytes were read.
   */
  async fill(target: Bytes): Promise<{ view: Bytes; filled: number }> {
    let buffer = target.buffer;
    let filled = 0;
    const offset = target.byteOffset;
    const size = target.length;
    while (filled < size && !this.ended) {
      if (this.byob) {
        const { value, done } = await this.byob.read(new Uint8Array(buffer, offset + filled, size - filled));
        if (value) buffer = value.buffer as ArrayBuffer;
        if (done || !value) this.ended = true;
        else filled += value.length;
      } else {
        if (this.rest.length === 0) {
          const { value, done } = await this.reader!.read();
          if (done) {
            this.ended = true;
            break;
          }
          this.rest = value;
        }
        const n = Math.min(this.rest.length, size - filled);
        new Uint8Array(buffer, offset + filled, n).set(this.rest.subarray(0, n));
        this.rest = this.rest.subarray(n);
        filled += n;
      }
    }
    return { view: new Uint8Array(buffer, offset, size), filled };
  }

  async skip(bytes: number): Promise<void> {
    let scratch = new Uint8Array(Math.min(bytes, 1 << 20)) as Bytes;
    while (bytes > 0) {
      const { view, filled } = await this.fill(scratch.subarray(0, Math.min(bytes, scratch.length)));
      if (filled === 0) throw new FormatError('the file stream ended early');
      scratch = new Uint8Array(view.buffer);
      bytes -= filled;
    }
  }

  async atEnd(): Promise<boolean> {
    return (await this.fill(new Uint8Array(1))).filled === 0;
  }

  cancel(): void {
    (this.byob ?? this.reader)!.cancel().catch(() => undefined);
  }
}

/**
 * Seals the file stream part by part. The plaintext is read from the source's byte stream into
 * one reused buffer (BYOB reads: no buffer per read); WebCrypto copies each chunk when it is handed
 * over, so the buffer is free again as soon as a part's chunks are dispatched. The sealed chunks
 * are gathered into a second reused buffer and snapshotted into a Blob (the request body): nothing
 * is allocated per part beyond WebCrypto's own results.
 */
class PartSealer {
  private readonly reader: BodyReader;
  private plain: Bytes;
  private readonly sealed: Bytes;
  private readonly chunks: number;

  constructor(
    private readonly fileKey: CryptoKey,
    private readonly prefix: Bytes,
    source: Blob,
    private readonly total: number,
    per: number,
  ) {
    this.reader = new BodyReader(source.stream());
    this.chunks = chunkCount(total);
    this.plain = new Uint8Array(Math.max(1, Math.min(per * CHUNK_BYTES, total))) as Bytes;
    this.sealed = new Uint8Array(HEADER_BYTES + Math.min(per, this.chunks) * SEALED_CHUNK_BYTES) as Bytes;
  }

  /** Seals chunks [first, first + count); parts are sealed in order, one at a time. */
  async part(first: number, count: number): Promise<Blob> {
    const size = Math.min(count * CHUNK_BYTES, this.total - first * CHUNK_BYTES);
    const { view, filled } = await this.reader.fill(this.plain.subarray(0, size));
    this.plain = new Uint8Array(view.buffer);
    if (filled !== size) throw new FormatError('a file ended before its declared size');
    const sealing: Promise<Bytes>[] = [];
    for (let k = 0; k < count; k++) {
      const i = first + k;
      const from = k * CHUNK_BYTES;
      sealing.push(sealChunk(this.fileKey, this.prefix, i, i === this.chunks - 1, view.subarray(from, Math.min(from + CHUNK_BYTES, size))));
    }
    view.fill(0);
    const sealed = await Promise.all(sealing);
    let at = 0;
    if (first === 0) {
      this.sealed.set(streamHeader(this.prefix), 0);
      at = HEADER_BYTES;
    }
    for (const c of sealed) {
      this.sealed.set(c, at);
      at += c.length;
    }
    return new Blob([this.sealed.subarray(0, at)]);
  }

  /** Checks that the source ended where its declared size says. */
  async finish(): Promise<void> {
    const more = !(await this.reader.atEnd());
    this.reader.cancel();
    if (more) throw new FormatError('a file is longer than its declared size');
  }
}

export interface StreamTicket {
  id: string;
  downloadToken: string;
  fileKey: CryptoKey;
  /** Total plaintext bytes of the stream (sum of the manifest's sizes). */
  plainBytes: number;
}

/** Fetches ciphertext bytes [from, to] and returns a reader positioned at `from`. */
async function fetchRange(t: StreamTicket, from: number, to: number): Promise<BodyReader> {
  const response = await api.download(t.id, t.downloadToken, from, to);
  if (!response.body) throw new FormatError('the download has no body');
  const reader = new BodyReader(response.body);
  if (response.status === 200 && from > 0) await reader.skip(from); // the server ignored the Range
  return reader;
}

const prefixes = new WeakMap<StreamTicket, Promise<Bytes>>();

function prefixOf(t: StreamTicket): Promise<Bytes> {
  let p = prefixes.get(t);
  if (!p) {
    p = (async () => {
      const r = await fetchRange(t, 0, HEADER_BYTES - 1);
      const { view, filled } = await r.fill(new Uint8Array(HEADER_BYTES));
      r.cancel();
      return parseStreamHeader(view.subarray(0, filled));
    })();
    prefixes.set(t, p);
  }
  return p;
}

/**
 * Yields the plaintext bytes [start, end) of the stream, decrypting chunk by chunk, as batches of
 * up to BATCH_CHUNKS pieces (one piece per chunk, each its own buffer: they can be transferred to
 * a worker without copying). Every chunk covering the range authenticates with its counter and its
 * last-chunk flag (known from the manifest's authenticated sizes) before its bytes are yielded; a
 * failure throws.
 *
 * The ciphertext is read into one reused buffer; WebCrypto copies each chunk when it is handed
 * over, so the next batch is read while earlier ones decrypt. Up to AHEAD_BATCHES batches are
 * decrypted ahead of the consumer: memory stays at a few MiB whatever the file size.
 */
export async function* decryptRange(t: StreamTicket, start: number, end: number): AsyncGenerator<Bytes[]> {
  if (start < 0 || end > t.plainBytes || start > end) throw new RangeError('range outside the stream');
  const chunks = chunkCount(t.plainBytes);
  const prefix = await prefixOf(t);
  if (start === end) return;
  const c0 = Math.floor(start / CHUNK_BYTES);
  const c1 = Math.floor((end - 1) / CHUNK_BYTES);
  const sealedLength = (i: number): number =>
    i === chunks - 1 ? t.plainBytes - i * CHUNK_BYTES + TAG_BYTES : SEALED_CHUNK_BYTES;
  const from = chunkOffset(c0);
  const to = chunkOffset(c1) + sealedLength(c1) - 1;
  const reader = await fetchRange(t, from, to);
  const pending: Promise<Bytes[]>[] = [];
  try {
    let buffer = new Uint8Array(Math.min(BATCH_CHUNKS, c1 - c0 + 1) * SEALED_CHUNK_BYTES) as Bytes;
    for (let first = c0; first <= c1; first += BATCH_CHUNKS) {
      const last = Math.min(c1, first + BATCH_CHUNKS - 1);
      let size = 0;
      for (let i = first; i <= last; i++) size += sealedLength(i);
      const { view, filled } = await reader.fill(buffer.subarray(0, size));
      buffer = new Uint8Array(view.buffer);
      if (filled !== size) throw new FormatError('the file stream ended early');
      const opened: Promise<Bytes>[] = [];
      for (let i = first, at = 0; i <= last; at += sealedLength(i), i++) {
        opened.push(openChunk(t.fileKey, prefix, i, i === chunks - 1, view.subarray(at, at + sealedLength(i))));
      }
      const batch = Promise.all(opened).then((plain) =>
        plain.map((p, k) => {
          const base = (first + k) * CHUNK_BYTES;
          return start > base || end < base + p.length ? p.subarray(Math.max(0, start - base), Math.min(p.length, end - base)) : p;
        }),
      );
      batch.catch(() => undefined); // a failure is thrown where the batch is awaited, in order
      pending.push(batch);
      if (pending.length > AHEAD_BATCHES) yield await pending.shift()!;
    }
    while (pending.length > 0) yield await pending.shift()!;
    if (c1 === chunks - 1 && !(await reader.atEnd())) throw new FormatError('the file stream has extra bytes');
  } finally {
    reader.cancel(); // a no-op when the answer was read to its end
  }
}
