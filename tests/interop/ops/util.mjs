import { createHash } from 'node:crypto';

export const b64 = (bytes) => Buffer.from(bytes).toString('base64');

export function bytes(value, name) {
  if (typeof value !== 'string') throw new TypeError(`argument ${name} must be a base64 string`);
  const buf = Buffer.from(value, 'base64');
  // libsignal's typings want a Uint8Array over its own ArrayBuffer.
  return new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** Kyber round-3 post-step on top of ML-KEM: SHAKE256(K̄ ‖ SHA3-256(c), 32). */
export function kyberPostStep(mlKemSecret, ciphertext) {
  const ctHash = createHash('sha3-256').update(ciphertext).digest();
  return new Uint8Array(createHash('shake256', { outputLength: 32 }).update(mlKemSecret).update(ctHash).digest());
}
