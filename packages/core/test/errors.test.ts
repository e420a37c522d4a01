/**
 * The one error class and its recogniser: `isSessionError` works by shape (name, message, details, a known
 * code), so an error thrown by a second copy of the package (a host that bundles two) is recognised, and
 * wrong shapes or codes this copy does not know are refused. The HTTP layer maps every code to a status.
 */
import { describe, expect, it, vi } from 'vitest';
import { ERROR_CODES, isSessionError, SessionError, type SessionErrorCode } from '@itutor/sessions-core';
import { problemFromError, STATUS_BY_CODE } from '@itutor/sessions-core/http';

/**
 * What a second copy of the package throws: its own `SessionError` class, structurally identical to ours
 * but another constructor and prototype, so `instanceof SessionError` is false for its errors.
 */
function otherCopy() {
  class SessionError extends Error {
    override readonly name = 'SessionError';
    constructor(
      readonly code: string,
      message: string,
      readonly details: Record<string, unknown> = {},
    ) {
      super(message);
    }
  }
  return SessionError;
}

describe('isSessionError', () => {
  it('recognises this copy’s SessionError, with or without a code to match', () => {
    const error = new SessionError('TOO_EARLY', 'not yet', { availableAt: new Date(0) });
    expect(isSessionError(error)).toBe(true);
    expect(isSessionError(error, 'TOO_EARLY')).toBe(true);
    expect(isSessionError(error, 'SESSION_FINAL')).toBe(false);
  });

  it('recognises an error thrown by another copy of the package, which instanceof does not', () => {
    const Other = otherCopy();
    const foreign: unknown = new Other('CONFLICT', 'lost the race', { sessionId: 's-1' });
    expect(foreign instanceof SessionError).toBe(false);
    expect(isSessionError(foreign)).toBe(true);
    expect(isSessionError(foreign, 'CONFLICT')).toBe(true);
    expect(isSessionError(foreign, 'NOT_FOUND')).toBe(false);
    // A copy of a package that speaks a code through its own copy of the core is recognised as well.
    expect(isSessionError(new Other('STORAGE_FAILED', 'rpc failed', { providerCode: '40001' }), 'STORAGE_FAILED')).toBe(true);
  });

  it('recognises a plain object of the same shape (an error rebuilt after crossing a boundary)', () => {
    expect(isSessionError({ name: 'SessionError', message: 'm', code: 'FORBIDDEN', details: {} }, 'FORBIDDEN')).toBe(true);
  });

  it('refuses codes this copy does not know, even with the right name', () => {
    const Other = otherCopy();
    expect(isSessionError(new Other('SOMETHING_NEWER', 'a code from a later release'))).toBe(false);
    expect(isSessionError(new Other('too_early', 'codes are case-sensitive'))).toBe(false);
    expect(isSessionError({ name: 'SessionError', message: 'm', code: 42, details: {} })).toBe(false);
  });

  it('refuses wrong shapes', () => {
    const wrong: unknown[] = [
      undefined,
      null,
      'TOO_EARLY',
      42,
      new Error('plain'),
      Object.assign(new Error('coded'), { code: 'TOO_EARLY', details: {} }), // right code, wrong name
      Object.assign(new Error('old class'), { name: 'StripeGatewayError', code: 'GATEWAY_MISCONFIGURED', details: {} }),
      { name: 'SessionError', code: 'TOO_EARLY', details: {} }, // no message
      { name: 'SessionError', message: 'm', code: 'TOO_EARLY' }, // no details
      { name: 'SessionError', message: 'm', code: 'TOO_EARLY', details: null },
      { name: 'SessionError', message: 7, code: 'TOO_EARLY', details: {} },
    ];
    for (const value of wrong) expect(isSessionError(value), String((value as { name?: string })?.name ?? value)).toBe(false);
  });
});

describe('SessionError', () => {
  it('carries its code, details and cause; the cause stays out of the enumerable fields', () => {
    const cause = new Error('the provider said 503');
    const error = new SessionError('PROVIDER_UNAVAILABLE', 'try again', { retryAfterSeconds: 5 }, { cause });
    expect(error).toMatchObject({ name: 'SessionError', code: 'PROVIDER_UNAVAILABLE', message: 'try again', details: { retryAfterSeconds: 5 } });
    expect(error.cause).toBe(cause);
    expect(Object.keys(error)).not.toContain('cause');
    expect(JSON.stringify(error)).not.toContain('the provider said');
  });

  it('has unique codes, and the codes of the former package errors', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    const former: SessionErrorCode[] = [
      'GATEWAY_MISCONFIGURED',
      'NO_GATEWAY_CUSTOMER',
      'PROVIDER_RATE_LIMITED',
      'PROVIDER_REQUEST_FAILED',
      'PROVIDER_MISMATCH',
      'PROVIDER_REFRESH_IN_PROGRESS',
      'TOKEN_KEY_INVALID',
      'TOKEN_KEY_UNKNOWN',
      'TOKEN_CIPHERTEXT_MALFORMED',
      'TOKEN_DECRYPTION_FAILED',
      'STORAGE_FAILED',
      'REQUEST_FAILED',
    ];
    expect(ERROR_CODES).toEqual(expect.arrayContaining(former));
  });
});

describe('problemFromError', () => {
  const now = new Date('2026-01-15T15:00:00.000Z');

  it('maps every code to a status', () => {
    for (const code of ERROR_CODES) expect(STATUS_BY_CODE[code], code).toEqual(expect.any(Number));
  });

  it('answers an error of another copy of the package by its code', async () => {
    const Other = otherCopy();
    const response = problemFromError(new Other('SESSION_FINAL', 'already settled'), now);
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: 'SESSION_FINAL', detail: 'already settled' });
  });

  it('answers failures of the host’s own systems with their code but never their message, and logs them', async () => {
    const onUnexpected = vi.fn();
    const error = new SessionError('STORAGE_FAILED', 'apply_session_writes: duplicate key value violates unique constraint "x"', { providerCode: '23505' });
    const response = problemFromError(error, now, onUnexpected);
    expect(response.status).toBe(500);
    const body = await response.json();
    expect(body).toMatchObject({ code: 'STORAGE_FAILED', status: 500 });
    expect(JSON.stringify(body)).not.toMatch(/apply_session_writes|23505|duplicate/);
    expect(onUnexpected).toHaveBeenCalledWith(error);
  });

  it('passes a rate limit’s wait on as Retry-After', () => {
    const response = problemFromError(new SessionError('PROVIDER_RATE_LIMITED', 'zoom: rate limited', { retryAfterSeconds: 30 }), now);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('30');
  });

  it('answers a value that only looks coded (not a SessionError) as INTERNAL', async () => {
    const response = problemFromError(Object.assign(new Error('secret detail'), { code: 'TOO_EARLY', details: {} }), now);
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ code: 'INTERNAL', detail: 'An unexpected error occurred' });
  });
});
