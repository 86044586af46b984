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
  concat,
  openChunk,
  parseStreamHeader,
  sealChunk,
  streamHeader,
  streamLength,
} from './format/secret';

/** Chunks decrypted together and handed to the download as one piece (1 MiB). */
export const BATCH_CHUNKS = 16;

/** Chunks per uploaded part: 128 × 64 KiB = 8 MiB of plaintext per request. */
export const PART_CHUNKS = 128;

/** Encrypts `n` plaintext chunks starting at chunk `first` of the concatenated `source`. */
async function sealPart(fileKey: CryptoKey, prefix: Bytes, source: Blob, first: number, count: number, total: number): Promise<Bytes> {
  const chunks = chunkCount(total);
  const start = first * CHUNK_BYTES;
  const end = Math.min((first + count) * CHUNK_BYTES, total);
  const plain = new Uint8Array(await source.slice(start, end).arrayBuffer());
  try {
    const sealed = await Promise.all(
      Array.from({ length: count }, (_, k) => {
        const i = first + k;
        const from = k * CHUNK_BYTES;
        return sealChunk(fileKey, prefix, i, i === chunks - 1, plain.subarray(from, Math.min(from + CHUNK_BYTES, plain.length)));
      }),
    );
    return first === 0 ? concat(streamHeader(prefix), ...sealed) : concat(...sealed);
  } finally {
    plain.fill(0);
  }
}

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
  let offset = 0;
  let done = false;
  let next: Promise<Bytes> | null = sealPart(o.fileKey, o.prefix, o.source, 0, Math.min(per, chunks), total);
  for (let first = 0; first < chunks; first += per) {
    const part: Bytes = await next!;
    const following = first + per;
    next = following < chunks ? sealPart(o.fileKey, o.prefix, o.source, following, Math.min(per, chunks - following), total) : null;
    done = await api.uploadPart(o.id, o.manageToken, offset, part, streamBytes);
    offset += part.length;
    o.onProgress?.(Math.min(offset, streamBytes), streamBytes);
  }
  if (offset !== streamBytes || !done) throw new FormatError('the server did not confirm the complete upload');
}

/** Reads a byte stream in exact pieces of `size` bytes (the last may be shorter). */
class Exact {
  private buffer: Bytes = new Uint8Array(0);
  private ended = false;
  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  async read(size: number): Promise<Bytes> {
    while (this.buffer.length < size && !this.ended) {
      const { value, done } = await this.reader.read();
      if (done) this.ended = true;
      else if (value.length > 0) this.buffer = concat(this.buffer, value);
    }
    const n = Math.min(size, this.buffer.length);
    const out = this.buffer.slice(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }

  async skip(bytes: number): Promise<void> {
    while (bytes > 0) {
      const got = await this.read(Math.min(bytes, 1 << 20));
      if (got.length === 0) throw new FormatError('the file stream ended early');
      bytes -= got.length;
    }
  }

  async atEnd(): Promise<boolean> {
    return (await this.read(1)).length === 0;
  }

  cancel(): void {
    this.reader.cancel().catch(() => undefined);
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
async function fetchRange(t: StreamTicket, from: number, to: number): Promise<Exact> {
  const response = await api.download(t.id, t.downloadToken, from, to);
  if (!response.body) throw new FormatError('the download has no body');
  const exact = new Exact(response.body.getReader());
  if (response.status === 200 && from > 0) await exact.skip(from); // the server ignored the Range
  return exact;
}

const prefixes = new WeakMap<StreamTicket, Promise<Bytes>>();

function prefixOf(t: StreamTicket): Promise<Bytes> {
  let p = prefixes.get(t);
  if (!p) {
    p = (async () => {
      const r = await fetchRange(t, 0, HEADER_BYTES - 1);
      const header = await r.read(HEADER_BYTES);
      r.cancel();
      return parseStreamHeader(header);
    })();
    prefixes.set(t, p);
  }
  return p;
}

/**
 * Yields the plaintext bytes [start, end) of the stream, decrypting chunk by chunk. Every chunk
 * covering the range authenticates with its counter and its last-chunk flag (known from the
 * manifest's authenticated sizes) before its bytes are yielded; a failure throws.
 */
export async function* decryptRange(t: StreamTicket, start: number, end: number): AsyncGenerator<Bytes> {
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
  try {
    // Chunks are read and decrypted in batches (decryption of a batch runs in parallel), and each
    // batch is yielded as one piece: fewer, larger hand-offs to the download.
    for (let first = c0; first <= c1; first += BATCH_CHUNKS) {
      const last = Math.min(c1, first + BATCH_CHUNKS - 1);
      const sealed: Bytes[] = [];
      for (let i = first; i <= last; i++) {
        const chunk = await reader.read(sealedLength(i));
        if (chunk.length !== sealedLength(i)) throw new FormatError('the file stream ended early');
        sealed.push(chunk);
      }
      const plain = await Promise.all(sealed.map((chunk, k) => openChunk(t.fileKey, prefix, first + k, first + k === chunks - 1, chunk)));
      const pieces = plain.map((p, k) => {
        const base = (first + k) * CHUNK_BYTES;
        return p.subarray(Math.max(0, start - base), Math.min(p.length, end - base));
      });
      yield pieces.length === 1 ? pieces[0]! : concat(...pieces);
    }
    if (c1 === chunks - 1 && !(await reader.atEnd())) throw new FormatError('the file stream has extra bytes');
  } finally {
    reader.cancel(); // a no-op when the answer was read to its end
  }
}
