/**
 * Tokens at rest: AES-256-GCM (Web Crypto), a random 96-bit IV per encryption, and the id of the key
 * beside each ciphertext so keys can be rotated: encrypt with the ring's current key, decrypt with any
 * key of the ring. Errors never contain plaintext, keys or ciphertext.
 */

import { SessionError } from '@itutor/sessions-core';

/** One encrypted token as stored: the key id beside the ciphertext (IV ‖ ciphertext ‖ GCM tag, base64url). */
export interface EncryptedToken {
  readonly keyId: string;
  readonly ciphertext: string;
}

/**
 * A crypto failure: the core's `SessionError` with `TOKEN_KEY_INVALID` (a key or key id of the ring is not
 * usable), `TOKEN_KEY_UNKNOWN` (no key with that id in the ring), `TOKEN_CIPHERTEXT_MALFORMED` or
 * `TOKEN_DECRYPTION_FAILED`. The message names the key id at most, never the token or the key.
 */
const cryptoError = (
  code: 'TOKEN_KEY_INVALID' | 'TOKEN_KEY_UNKNOWN' | 'TOKEN_CIPHERTEXT_MALFORMED' | 'TOKEN_DECRYPTION_FAILED',
  message: string,
): SessionError => new SessionError(code, message);

/** The host's keys: 32 random bytes each, as base64 / base64url text or bytes. */
export interface KeyRingOptions {
  /** The key new ciphertexts are made with. Must be one of `keys`. */
  readonly currentKeyId: string;
  /** Every key that may still have to decrypt something, by id (ids: letters, digits, `._-`). */
  readonly keys: Readonly<Record<string, string | Uint8Array>>;
}

/** A ring of AES-256-GCM keys. Make it with {@link createKeyRing}. */
export interface KeyRing {
  readonly currentKeyId: string;
  readonly keyIds: readonly string[];
}

/** The keys themselves live here, out of reach of logging or serialising a ring. */
const secretKeys = new WeakMap<KeyRing, (keyId: string) => Promise<CryptoKey> | undefined>();
const keyOf = (ring: KeyRing, keyId: string) => secretKeys.get(ring)?.(keyId);

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

function decodeBase64(text: string): Uint8Array | null {
  const normal = text.trim().replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(normal)) return null;
  try {
    const binary = atob(normal.padEnd(Math.ceil(normal.length / 4) * 4, '='));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}

function encodeBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Checks and prepares the host's keys (synchronously: a wrong key fails at start-up, not at the first
 * token). Keys are imported into Web Crypto as non-extractable on first use.
 */
export function createKeyRing(options: KeyRingOptions): KeyRing {
  const prepared = new Map<string, () => Promise<CryptoKey>>();
  for (const [id, material] of Object.entries(options.keys)) {
    if (!KEY_ID.test(id)) throw cryptoError('TOKEN_KEY_INVALID', `key id "${id.slice(0, 64)}" must be 1-64 letters, digits, ".", "_" or "-"`);
    const bytes = typeof material === 'string' ? decodeBase64(material) : new Uint8Array(material);
    if (!bytes || bytes.length !== 32) {
      throw cryptoError('TOKEN_KEY_INVALID', `key "${id}" must be 32 bytes (base64 text of 32 random bytes, e.g. \`openssl rand -base64 32\`)`);
    }
    let imported: Promise<CryptoKey> | undefined;
    prepared.set(id, () => (imported ??= globalThis.crypto.subtle.importKey('raw', bytes as Uint8Array<ArrayBuffer>, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt'])));
  }
  if (!prepared.has(options.currentKeyId)) {
    throw cryptoError('TOKEN_KEY_UNKNOWN', `the current key id "${options.currentKeyId.slice(0, 64)}" is not among the keys`);
  }
  const ring: KeyRing = Object.freeze({ currentKeyId: options.currentKeyId, keyIds: Object.freeze([...prepared.keys()]) });
  secretKeys.set(ring, (keyId) => prepared.get(keyId)?.());
  return ring;
}

const aad = (context: string | undefined) => new TextEncoder().encode(`itutor-video-token:v1:${context ?? ''}`);

/**
 * Encrypts a token with the ring's current key. `context` (e.g. `tutorId:provider:refresh`) is bound to
 * the ciphertext as GCM additional data: a ciphertext copied to another tutor or field does not decrypt.
 */
export async function encryptToken(ring: KeyRing, plaintext: string, context?: string): Promise<EncryptedToken> {
  const keyPromise = keyOf(ring, ring.currentKeyId);
  if (!keyPromise) throw cryptoError('TOKEN_KEY_INVALID', 'not a key ring made by createKeyRing');
  const key = await keyPromise;
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = new Uint8Array(
    await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad(context), tagLength: 128 }, key, new TextEncoder().encode(plaintext)),
  );
  const out = new Uint8Array(IV_BYTES + sealed.length);
  out.set(iv);
  out.set(sealed, IV_BYTES);
  return { keyId: ring.currentKeyId, ciphertext: encodeBase64Url(out) };
}

/**
 * Decrypts with the key named by `token.keyId` (any key of the ring). Throws the core's `SessionError`:
 * `TOKEN_KEY_UNKNOWN` when the ring lacks that key, `TOKEN_CIPHERTEXT_MALFORMED`, or `TOKEN_DECRYPTION_FAILED`
 * when the ciphertext, IV, tag or context were altered.
 */
export async function decryptToken(ring: KeyRing, token: EncryptedToken, context?: string): Promise<string> {
  const keyPromise = typeof token.keyId === 'string' ? keyOf(ring, token.keyId) : undefined;
  if (!keyPromise) {
    throw cryptoError('TOKEN_KEY_UNKNOWN', `no key with id "${String(token.keyId).slice(0, 64)}" in the key ring (known: ${ring.keyIds.join(', ')})`);
  }
  const bytes = typeof token.ciphertext === 'string' ? decodeBase64(token.ciphertext) : null;
  if (!bytes || bytes.length < IV_BYTES + TAG_BYTES) {
    throw cryptoError('TOKEN_CIPHERTEXT_MALFORMED', `the ciphertext (key "${token.keyId}") is not base64url of IV, data and tag`);
  }
  try {
    const plain = await globalThis.crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: bytes.slice(0, IV_BYTES), additionalData: aad(context), tagLength: 128 },
      await keyPromise,
      bytes.slice(IV_BYTES),
    );
    return new TextDecoder().decode(plain);
  } catch {
    throw cryptoError(
      'TOKEN_DECRYPTION_FAILED',
      `the token (key "${token.keyId}") does not decrypt: the ciphertext was altered, belongs to another tutor or field, or the key with this id changed`,
    );
  }
}

/** True when `token` was made with another key than the ring's current one (re-encrypt it to rotate). */
export function needsReencryption(ring: KeyRing, token: EncryptedToken): boolean {
  return token.keyId !== ring.currentKeyId;
}
