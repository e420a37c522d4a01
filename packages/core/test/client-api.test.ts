import { describe, expect, it, vi } from 'vitest';
import { isSessionError, SessionError } from '@itutor/sessions-core';
import { postSessionAction, toSessionError } from '@itutor/sessions-core/client';

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
    await expect(fromBody).rejects.toMatchObject({
      name: 'SessionError',
      message: 'Too early',
      code: 'TOO_EARLY',
      details: { httpStatus: 409, availableAt: new Date(availableAt) },
    });
    const fromHeader = postSessionAction('s', 'join', { fetch: async () => json(409, { title: 'Too early', code: 'TOO_EARLY' }, { 'retry-after': '7' }), now: () => 1000 });
    await expect(fromHeader).rejects.toMatchObject({ message: 'Too early', details: { availableAt: new Date(8000) } });
  });

  it('turns a network failure, a non-JSON answer and an HTTP-layer code into REQUEST_FAILED SessionErrors', async () => {
    const offline = new TypeError('offline');
    const failed = await postSessionAction('s', 'join', { fetch: async () => Promise.reject(offline) }).catch((e: unknown) => e);
    expect(isSessionError(failed, 'REQUEST_FAILED')).toBe(true);
    expect(failed).toMatchObject({ message: 'offline', cause: offline });
    const html = await postSessionAction('s', 'join', { fetch: async () => new Response('<html>', { status: 502 }) }).catch((e: unknown) => e);
    expect(html).toMatchObject({ code: 'REQUEST_FAILED', details: { httpStatus: 502 } });
    expect((html as SessionError).details.problemCode).toBeUndefined();
    const internal = postSessionAction('s', 'join', { fetch: async () => json(500, { detail: 'An unexpected error occurred', code: 'INTERNAL' }) });
    await expect(internal).rejects.toMatchObject({ code: 'REQUEST_FAILED', details: { httpStatus: 500, problemCode: 'INTERNAL' } });
  });
});

describe('toSessionError', () => {
  it('keeps a SessionError’s code, message and details, also one of another copy of the package', () => {
    const availableAt = new Date('2026-01-15T15:00:00.000Z');
    const same = new SessionError('TOO_EARLY', 'wait', { availableAt, httpStatus: 409 });
    const normalised = toSessionError(same);
    expect(normalised).toMatchObject({ name: 'SessionError', code: 'TOO_EARLY', message: 'wait', details: { availableAt, httpStatus: 409 }, cause: same });
    expect(isSessionError(normalised, 'TOO_EARLY')).toBe(true);
    // What another copy's class makes: the same own fields, another prototype (`availableAt` as it was serialised).
    const otherCopy = Object.assign(new Error('joined'), { name: 'SessionError', code: 'STUDENT_JOINED', details: { source: 'provider', availableAt: availableAt.toISOString() } });
    expect(toSessionError(otherCopy)).toMatchObject({ code: 'STUDENT_JOINED', message: 'joined', details: { source: 'provider', availableAt } });
  });

  it('reads a known code, availableAt and source from anything else; an unknown code becomes REQUEST_FAILED', () => {
    const at = new Date('2026-01-15T15:00:00.000Z');
    const coded = toSessionError({ message: 'joined', code: 'STUDENT_JOINED', details: { source: 'provider', availableAt: at.toISOString() } });
    expect(coded).toBeInstanceOf(SessionError);
    expect(coded).toMatchObject({ code: 'STUDENT_JOINED', message: 'joined', details: { source: 'provider', availableAt: at } });
    expect(toSessionError({ message: 'later', code: 'TOO_EARLY', availableAt: at.getTime() })).toMatchObject({ details: { availableAt: at } });
    expect(toSessionError(Object.assign(new Error('nope'), { code: 'MY_HOST_CODE' }))).toMatchObject({
      code: 'REQUEST_FAILED',
      message: 'nope',
      details: { problemCode: 'MY_HOST_CODE' },
    });
    // A code from a later release this copy does not know is not passed off as a known one.
    expect(toSessionError(Object.assign(new Error('new'), { name: 'SessionError', code: 'SOMETHING_NEWER', details: {} }))).toMatchObject({
      code: 'REQUEST_FAILED',
      details: { problemCode: 'SOMETHING_NEWER' },
    });
    const empty = toSessionError(undefined);
    expect(empty).toMatchObject({ message: '', code: 'REQUEST_FAILED' });
    expect(empty.details.availableAt).toBeUndefined();
    expect(empty.details.problemCode).toBeUndefined();
  });
});
