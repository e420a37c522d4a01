import { describe, expect, it } from 'vitest';
import { isSessionError, type SessionError, type SessionErrorCode } from '@itutor/sessions-core';
import { createKeyRing, decryptToken, encryptToken, needsReencryption } from '../src/index';
import { KEY_A, KEY_B } from './support';

const SECRET = 'zoom_rt_super-secret-refresh-token';

async function expectCryptoError(promise: Promise<unknown>, code: SessionErrorCode) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isSessionError(error, code)).toBe(true);
  expect(String((error as Error).message)).not.toContain(SECRET);
  expect(String((error as Error).message)).not.toContain(KEY_A);
  return error as SessionError;
}

describe('token encryption (AES-256-GCM, key ring)', () => {
  const ringA = createKeyRing({ currentKeyId: 'k1', keys: { k1: KEY_A } });

  it('round-trips, with the key id beside a ciphertext that does not contain the token', async () => {
    const sealed = await encryptToken(ringA, SECRET, 'tutor-1:zoom:refresh');
    expect(sealed.keyId).toBe('k1');
    expect(sealed.ciphertext).not.toContain(SECRET);
    expect(sealed.ciphertext).toMatch(/^[A-Za-z0-9_-]+$/);
    // 12-byte IV + plaintext + 16-byte tag
    expect(Buffer.from(sealed.ciphertext, 'base64url').length).toBe(12 + SECRET.length + 16);
    expect(await decryptToken(ringA, sealed, 'tutor-1:zoom:refresh')).toBe(SECRET);
  });

  it('uses a fresh random IV each time', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const sealed = await encryptToken(ringA, SECRET);
      seen.add(Buffer.from(sealed.ciphertext, 'base64url').subarray(0, 12).toString('hex'));
    }
    expect(seen.size).toBe(50);
  });

  it('rotates: new ciphertexts use the current key, old ones still decrypt with theirs', async () => {
    const old = await encryptToken(ringA, SECRET);
    const rotated = createKeyRing({ currentKeyId: 'k2', keys: { k1: KEY_A, k2: KEY_B } });
    const fresh = await encryptToken(rotated, SECRET);
    expect(fresh.keyId).toBe('k2');
    expect(needsReencryption(rotated, old)).toBe(true);
    expect(needsReencryption(rotated, fresh)).toBe(false);
    expect(await decryptToken(rotated, old)).toBe(SECRET);
    expect(await decryptToken(rotated, fresh)).toBe(SECRET);
    // A ring without k2 cannot read the new one.
    await expectCryptoError(decryptToken(ringA, fresh), 'TOKEN_KEY_UNKNOWN');
  });

  it('refuses an unknown key id', async () => {
    const sealed = await encryptToken(ringA, SECRET);
    const error = await expectCryptoError(decryptToken(ringA, { ...sealed, keyId: 'k9' }), 'TOKEN_KEY_UNKNOWN');
    expect(error.message).toContain('k9');
  });

  it('refuses a tampered ciphertext, IV or tag', async () => {
    const sealed = await encryptToken(ringA, SECRET);
    const bytes = Buffer.from(sealed.ciphertext, 'base64url');
    for (const index of [0, 11, 12, 12 + 5, bytes.length - 1]) {
      const tampered = Buffer.from(bytes);
      tampered[index] = tampered[index]! ^ 0x01;
      await expectCryptoError(decryptToken(ringA, { keyId: 'k1', ciphertext: tampered.toString('base64url') }), 'TOKEN_DECRYPTION_FAILED');
    }
    await expectCryptoError(decryptToken(ringA, { keyId: 'k1', ciphertext: bytes.subarray(0, 20).toString('base64url') }), 'TOKEN_CIPHERTEXT_MALFORMED');
    await expectCryptoError(decryptToken(ringA, { keyId: 'k1', ciphertext: 'not base64 !!' }), 'TOKEN_CIPHERTEXT_MALFORMED');
  });

  it('refuses a ciphertext moved to another tutor or field (bound context)', async () => {
    const sealed = await encryptToken(ringA, SECRET, 'tutor-1:zoom:refresh');
    await expectCryptoError(decryptToken(ringA, sealed, 'tutor-2:zoom:refresh'), 'TOKEN_DECRYPTION_FAILED');
    await expectCryptoError(decryptToken(ringA, sealed, 'tutor-1:zoom:access'), 'TOKEN_DECRYPTION_FAILED');
  });

  it('refuses a key under the same id that changed', async () => {
    const sealed = await encryptToken(ringA, SECRET);
    const other = createKeyRing({ currentKeyId: 'k1', keys: { k1: KEY_B } });
    await expectCryptoError(decryptToken(other, sealed), 'TOKEN_DECRYPTION_FAILED');
  });

  it('checks the keys when the ring is made, without echoing them', () => {
    const short = Buffer.alloc(16, 1).toString('base64');
    expect(() => createKeyRing({ currentKeyId: 'k1', keys: { k1: short } })).toThrow(/32 bytes/);
    try {
      createKeyRing({ currentKeyId: 'k1', keys: { k1: short } });
    } catch (e) {
      expect((e as Error).message).not.toContain(short);
    }
    expect(() => createKeyRing({ currentKeyId: 'k2', keys: { k1: KEY_A } })).toThrow(expect.objectContaining({ name: 'SessionError', code: 'TOKEN_KEY_UNKNOWN' }));
    expect(() => createKeyRing({ currentKeyId: 'bad id', keys: { 'bad id': KEY_A } })).toThrow(/key id/);
    expect(createKeyRing({ currentKeyId: 'k1', keys: { k1: new Uint8Array(32) } }).keyIds).toEqual(['k1']);
  });

  it('a key ring does not reveal its keys when serialised', () => {
    const text = JSON.stringify(createKeyRing({ currentKeyId: 'k1', keys: { k1: KEY_A } }));
    expect(text).not.toContain(KEY_A);
    expect(text).toBe('{"currentKeyId":"k1","keyIds":["k1"]}');
  });
});
