import { describe, expect, it, vi } from 'vitest';
import { SessionError } from '@itutor/sessions-core';
import { postSessionAction, SessionRequestError, toSessionRequestError } from '@itutor/sessions-core/client';

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

describe('postSessionAction', () => {
  it('posts {} with same-origin cookies to {basePath}/sessions/{id}/{action} and returns the body', async () => {
    const fetch = vi.fn(async () => json(200, { joinUrl: 'https://zoom.us/j/1' }));
    await expect(postSessionAction('a/b', 'join', { basePath: '/v1', fetch })).resolves.toEqual({ joinUrl: 'https://zoom.us/j/1' });
    expect(fetch).toHaveBeenCalledWith('/v1/sessions/a%2Fb/join', expect.objectContaining({ method: 'POST', credentials: 'same-origin', body: '{}' }));
  });

  it('throws the problem’s detail, code and availableAt (from the body, else Retry-After by `now`)', async () => {
    const availableAt = '2026-01-15T15:19:00.000Z';
    const fromBody = postSessionAction('s', 'mark-no-show', {
      fetch: async () => json(409, { title: 'Conflict', detail: 'Too early', code: 'TOO_EARLY', availableAt }, { 'retry-after': '5' }),
    });
    await expect(fromBody).rejects.toMatchObject({ message: 'Too early', status: 409, code: 'TOO_EARLY', availableAt: Date.parse(availableAt) });
    const fromHeader = postSessionAction('s', 'join', { fetch: async () => json(409, { title: 'Too early', code: 'TOO_EARLY' }, { 'retry-after': '7' }), now: () => 1000 });
    await expect(fromHeader).rejects.toMatchObject({ message: 'Too early', availableAt: 8000 });
  });

  it('turns a network failure and a non-JSON answer into SessionRequestErrors', async () => {
    await expect(postSessionAction('s', 'join', { fetch: async () => Promise.reject(new TypeError('offline')) })).rejects.toBeInstanceOf(SessionRequestError);
    await expect(postSessionAction('s', 'join', { fetch: async () => new Response('<html>', { status: 502 }) })).rejects.toMatchObject({ status: 502, code: null });
  });
});

describe('toSessionRequestError', () => {
  it('keeps a SessionRequestError and reads a core SessionError’s code and availableAt', () => {
    const same = new SessionRequestError('x');
    expect(toSessionRequestError(same)).toBe(same);
    const at = new Date('2026-01-15T15:00:00.000Z');
    expect(toSessionRequestError(new SessionError('TOO_EARLY', 'wait', { availableAt: at }))).toMatchObject({ code: 'TOO_EARLY', availableAt: at.getTime(), message: 'wait' });
    expect(toSessionRequestError(undefined)).toMatchObject({ message: '', code: null });
  });
});
