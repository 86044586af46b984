// Primitive-level operations: libsignal's curve and KEM keys, and noble's ML-KEM-1024 and ML-KEM-768.
import * as signal from '@signalapp/libsignal-client';
import { ml_kem1024, ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { b64, bytes, kyberPostStep } from './util.mjs';

function mlKem(level) {
  const kem = { 768: ml_kem768, 1024: ml_kem1024 }[level];
  if (!kem) throw new Error(`no ML-KEM-${level}`);
  return kem;
}

export const cryptoOps = {
  ping: () => ({ pong: true }),

  'curve.generate': () => {
    const priv = signal.PrivateKey.generate();
    return { privateKey: b64(priv.serialize()), publicKey: b64(priv.getPublicKey().serialize()) };
  },

  'curve.publicKey': ({ privateKey }) => {
    const priv = signal.PrivateKey.deserialize(bytes(privateKey, 'privateKey'));
    return { publicKey: b64(priv.getPublicKey().serialize()) };
  },

  'xeddsa.sign': ({ privateKey, message }) => {
    const priv = signal.PrivateKey.deserialize(bytes(privateKey, 'privateKey'));
    return { signature: b64(priv.sign(bytes(message, 'message'))) };
  },

  'xeddsa.verify': ({ publicKey, message, signature }) => {
    const pub = signal.PublicKey.deserialize(bytes(publicKey, 'publicKey'));
    return { valid: pub.verify(bytes(message, 'message'), bytes(signature, 'signature')) };
  },

  'x25519.agree': ({ privateKey, publicKey }) => {
    const priv = signal.PrivateKey.deserialize(bytes(privateKey, 'privateKey'));
    const pub = signal.PublicKey.deserialize(bytes(publicKey, 'publicKey'));
    return { sharedSecret: b64(priv.agree(pub)) };
  },

  'kyber.generate': () => {
    const pair = signal.KEMKeyPair.generate();
    return { publicKey: b64(pair.getPublicKey().serialize()), secretKey: b64(pair.getSecretKey().serialize()) };
  },

  // Round-trips keys through libsignal's deserializers: proves libsignal accepts Parley's framing.
  'kyber.roundTrip': ({ publicKey, secretKey }) => {
    const result = {};
    if (publicKey) result.publicKey = b64(signal.KEMPublicKey.deserialize(bytes(publicKey, 'publicKey')).serialize());
    if (secretKey) result.secretKey = b64(signal.KEMSecretKey.deserialize(bytes(secretKey, 'secretKey')).serialize());
    return result;
  },

  // Kyber1024 built from noble's ML-KEM-1024 plus the post-step, over libsignal-framed (0x08) blobs.
  'kyber.nobleEncapsulate': ({ publicKey }) => {
    const pk = bytes(publicKey, 'publicKey');
    if (pk[0] !== 0x08) throw new Error('not a Kyber1024 key');
    const { cipherText, sharedSecret } = ml_kem1024.encapsulate(pk.subarray(1));
    const framed = new Uint8Array(cipherText.length + 1);
    framed[0] = 0x08;
    framed.set(cipherText, 1);
    return { ciphertext: b64(framed), sharedSecret: b64(kyberPostStep(sharedSecret, cipherText)) };
  },

  'kyber.nobleDecapsulate': ({ secretKey, ciphertext }) => {
    const sk = bytes(secretKey, 'secretKey');
    const ct = bytes(ciphertext, 'ciphertext');
    if (sk[0] !== 0x08 || ct[0] !== 0x08) throw new Error('not Kyber1024');
    const k = ml_kem1024.decapsulate(ct.subarray(1), sk.subarray(1));
    return { sharedSecret: b64(kyberPostStep(k, ct.subarray(1))) };
  },

  // Standard ML-KEM (level 1024, the core of Kyber1024; level 768, SPQR's braid): key generation from
  // d ‖ z, encapsulation with a given m, decapsulation.
  'mlkem.keygen': ({ seed, level = 1024 }) => {
    const { publicKey, secretKey } = mlKem(level).keygen(bytes(seed, 'seed'));
    return { encapsulationKey: b64(publicKey), decapsulationKey: b64(secretKey) };
  },

  'mlkem.encapsulate': ({ encapsulationKey, m, level = 1024 }) => {
    const { cipherText, sharedSecret } = mlKem(level).encapsulate(bytes(encapsulationKey, 'encapsulationKey'), bytes(m, 'm'));
    return { ciphertext: b64(cipherText), sharedSecret: b64(sharedSecret) };
  },

  'mlkem.decapsulate': ({ decapsulationKey, ciphertext, level = 1024 }) => {
    const k = mlKem(level).decapsulate(bytes(ciphertext, 'ciphertext'), bytes(decapsulationKey, 'decapsulationKey'));
    return { sharedSecret: b64(k) };
  },
};
