import { describe, expect, it, vi } from 'vitest';
import { isSessionError, type SessionError } from '@itutor/sessions-core';
import { createKeyRing, decryptToken, zoom, type ConnectionInvalidEvent } from '../src/index';
import { booking, credentials, fakes, KEY_A, KEY_B, setup, useProviderFakes } from './support';

useProviderFakes();

/** A Zoom provider for tutor-1 whose stored access token is already expired (or not, with `fresh`). */
async function connected(opts: { fresh?: boolean; onConnectionInvalid?: (e: ConnectionInvalidEvent) => void } = {}) {
  const env = setup();
  const provider = zoom({ ...credentials, ...env, maxRetryAfterMs: 2_000, ...(opts.onConnectionInvalid ? { onConnectionInvalid: opts.onConnectionInvalid } : {}) });
  const seeded = fakes.zoom.issueTokens('zoom-user-1', { expiresInSeconds: opts.fresh ? 3600 : -10 });
  await provider.tokens.saveTokens('tutor-1', seeded);
  return { ...env, provider, seeded };
}

async function storedRefreshToken(env: Awaited<ReturnType<typeof connected>>) {
  const record = env.store.records.get('tutor-1')!;
  return decryptToken(env.keyRing, record.refreshToken!, 'tutor-1:zoom:refresh');
}

describe('zoom(): meetings', () => {
  it('creates a scheduled meeting (type 2) with the topic, start, duration and settings the host overrides', async () => {
    const env = setup();
    const provider = zoom({ ...credentials, ...env, settings: { waiting_room: false, auto_recording: 'cloud' } });
    await provider.tokens.saveTokens('tutor-1', fakes.zoom.issueTokens('zoom-user-1'));
    const meeting = await provider.createMeeting(booking(1));
    const stored = fakes.zoom.meetings.get(Number(meeting.meetingId))!;
    expect(meeting.joinUrl).toBe(stored.join_url);
    expect(stored).toMatchObject({ type: 2, topic: 'Algebra lesson 1', start_time: '2030-03-01T15:00:00Z', duration: 60, user: 'zoom-user-1' });
    expect(stored.settings).toMatchObject({ waiting_room: false, auto_recording: 'cloud', join_before_host: false });
    expect(JSON.stringify(meeting)).not.toContain('start_url');
    expect(fakes.zoom.count('token')).toBe(0);
  });

  it('is idempotent per key: a retry, or concurrent calls, never make a second meeting', async () => {
    const { provider } = await connected({ fresh: true });
    const [a, b] = await Promise.all([provider.createMeeting(booking(1)), provider.createMeeting(booking(1))]);
    const c = await provider.createMeeting(booking(1));
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(fakes.zoom.meetings.size).toBe(1);
    expect(fakes.zoom.count('zoom.createMeeting')).toBe(1);
  });

  it('two servers racing on one key keep one meeting and delete the duplicate', async () => {
    const env = setup();
    const one = zoom({ ...credentials, ...env });
    const two = zoom({ ...credentials, ...env });
    await one.tokens.saveTokens('tutor-1', fakes.zoom.issueTokens('zoom-user-1'));
    const [a, b] = await Promise.all([one.createMeeting(booking(1)), two.createMeeting(booking(1))]);
    expect(a).toEqual(b);
    expect(fakes.zoom.count('zoom.createMeeting')).toBe(2);
    expect([...fakes.zoom.meetings.keys()]).toEqual([Number(a.meetingId)]);
  });

  it('deletes a meeting, forgets its key, and treats an already deleted one as done', async () => {
    const { provider, meetings } = await connected({ fresh: true });
    const meeting = await provider.createMeeting(booking(1));
    await provider.deleteMeeting({ provider: 'zoom', tutorId: 'tutor-1', meetingId: meeting.meetingId });
    expect(fakes.zoom.meetings.size).toBe(0);
    expect(meetings.meetings.size).toBe(0);
    await expect(provider.deleteMeeting({ provider: 'zoom', tutorId: 'tutor-1', meetingId: meeting.meetingId })).resolves.toBeUndefined();
    const again = await provider.createMeeting(booking(1));
    expect(again.meetingId).not.toBe(meeting.meetingId);
  });

  it('reads a past meeting’s actual start and end; before it took place, Zoom reports it waiting (never started)', async () => {
    const { provider } = await connected({ fresh: true });
    const meeting = await provider.createMeeting(booking(1));
    expect(await provider.getMeetingTimes({ tutorId: 'tutor-1', meetingId: meeting.meetingId })).toEqual({ startedAt: null, endedAt: null, neverStarted: true });
    fakes.zoom.endMeeting(meeting.meetingId, { startedAt: new Date('2030-03-01T15:02:00Z'), endedAt: new Date('2030-03-01T15:58:30Z') });
    expect(await provider.getMeetingTimes({ tutorId: 'tutor-1', meetingId: meeting.meetingId })).toEqual({
      startedAt: new Date('2030-03-01T15:02:00Z'),
      endedAt: new Date('2030-03-01T15:58:30Z'),
    });
  });

  it('refuses an input for another provider instead of switching', async () => {
    const { provider } = await connected({ fresh: true });
    await expect(provider.createMeeting(booking(1, 'google_meet'))).rejects.toMatchObject({ code: 'PROVIDER_MISMATCH', details: { provider: 'zoom' } });
    expect(fakes.zoom.count('zoom.createMeeting')).toBe(0);
  });
});

describe('zoom(): token lifecycle', () => {
  it('20 concurrent creations with an expired token refresh exactly once and store the newest refresh token', async () => {
    const env = await connected();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => env.provider.createMeeting(booking(i))));
    expect(fakes.zoom.count('token')).toBe(1);
    expect(new Set(results.map((m) => m.meetingId)).size).toBe(20);
    expect(fakes.zoom.meetings.size).toBe(20);
    const newest = await storedRefreshToken(env);
    expect(newest).not.toBe(env.seeded.refreshToken);
    expect(fakes.zoom.isRefreshTokenValid(newest)).toBe(true);
    // Zoom refresh tokens are single-use: the old one is dead now.
    expect(fakes.zoom.isRefreshTokenValid(env.seeded.refreshToken)).toBe(false);
    expect(env.store.records.get('tutor-1')!.refreshLeaseUntil).toBeNull();
  });

  it('several servers sharing the store refresh once between them (the compare-and-set is the lock)', async () => {
    const env = await connected();
    const others = Array.from({ length: 4 }, () => zoom({ ...credentials, store: env.store, meetings: env.meetings, keyRing: env.keyRing, pollIntervalMs: 5 }));
    const all = [env.provider, ...others];
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => all[i % all.length]!.createMeeting(booking(i))));
    expect(fakes.zoom.count('token')).toBe(1);
    expect(new Set(results.map((m) => m.meetingId)).size).toBe(20);
    expect(fakes.zoom.isRefreshTokenValid(await storedRefreshToken(env))).toBe(true);
  });

  it('refreshes shortly before expiry, not only after', async () => {
    const env = setup();
    const provider = zoom({ ...credentials, ...env, refreshSkewMs: 120_000 });
    await provider.tokens.saveTokens('tutor-1', fakes.zoom.issueTokens('zoom-user-1', { expiresInSeconds: 90 }));
    await provider.createMeeting(booking(1));
    expect(fakes.zoom.count('token')).toBe(1);
    await provider.createMeeting(booking(2));
    expect(fakes.zoom.count('token')).toBe(1);
  });

  it('a token the API refuses early (401) is refreshed once and the call retried', async () => {
    const env = await connected({ fresh: true });
    fakes.zoom.expireAccessTokens();
    const meeting = await env.provider.createMeeting(booking(1));
    expect(fakes.zoom.meetings.has(Number(meeting.meetingId))).toBe(true);
    expect(fakes.zoom.count('token')).toBe(1);
    expect(fakes.zoom.requests.filter((r) => r.route === 'zoom.createMeeting').map((r) => r.status)).toEqual([401, 201]);
  });

  it('a revoked refresh token marks the connection invalid, calls the hook once, and makes no meeting', async () => {
    const hook = vi.fn();
    const env = await connected({ onConnectionInvalid: hook });
    fakes.zoom.revokeRefreshToken(env.seeded.refreshToken);
    const settled = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => env.provider.createMeeting(booking(i))));
    for (const result of settled) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason as SessionError;
      expect(isSessionError(error, 'PROVIDER_NOT_CONNECTED')).toBe(true);
      expect(error.details.reason).toBe('CONNECTION_INVALID');
      expect(error.message).not.toContain(env.seeded.refreshToken);
      expect(error.message).not.toContain(env.seeded.accessToken);
    }
    expect(fakes.zoom.count('token')).toBe(1);
    expect(hook).toHaveBeenCalledTimes(1);
    expect(hook).toHaveBeenCalledWith({ tutorId: 'tutor-1', provider: 'zoom', status: 'invalid', reason: 'invalid_request' });
    expect(JSON.stringify(hook.mock.calls)).not.toContain(env.seeded.refreshToken);
    expect(env.store.records.get('tutor-1')!.status).toBe('invalid');
    expect(fakes.zoom.meetings.size).toBe(0);
    // Later calls fail at once, without asking Zoom again.
    await expect(env.provider.createMeeting(booking(9))).rejects.toMatchObject({ code: 'PROVIDER_NOT_CONNECTED', details: { reason: 'CONNECTION_INVALID' } });
    expect(fakes.zoom.count('token')).toBe(1);
  });

  it('a 5xx from the token endpoint is a failure that keeps the connection and the old refresh token', async () => {
    const hook = vi.fn();
    const env = await connected({ onConnectionInvalid: hook });
    fakes.zoom.failNext('token', { status: 503 });
    await expect(env.provider.createMeeting(booking(1))).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    const record = env.store.records.get('tutor-1')!;
    expect(record.status).toBe('connected');
    expect(record.refreshLeaseUntil).toBeNull();
    expect(await storedRefreshToken(env)).toBe(env.seeded.refreshToken);
    expect(hook).not.toHaveBeenCalled();
    // The next attempt refreshes and succeeds.
    await expect(env.provider.createMeeting(booking(1))).resolves.toMatchObject({ joinUrl: expect.stringContaining('zoom.us/j/') });
    expect(fakes.zoom.count('token')).toBe(2);
  });

  it('rotated keys: tokens written before rotation are read, and re-encrypted under the new key on refresh', async () => {
    const env = await connected();
    const rotatedRing = createKeyRing({ currentKeyId: 'k2', keys: { k1: KEY_A, k2: KEY_B } });
    const rotated = zoom({ ...credentials, store: env.store, meetings: env.meetings, keyRing: rotatedRing });
    expect(env.store.records.get('tutor-1')!.refreshToken!.keyId).toBe('k1');
    await rotated.createMeeting(booking(1));
    const record = env.store.records.get('tutor-1')!;
    expect(record.accessToken.keyId).toBe('k2');
    expect(record.refreshToken!.keyId).toBe('k2');
  });

  it('stores no plaintext token', async () => {
    const env = await connected();
    await env.provider.createMeeting(booking(1));
    const dump = JSON.stringify([...env.store.records.values()]);
    expect(dump).not.toMatch(/zoom_(at|rt)_/);
  });
});

describe('zoom(): rate limits and failures', () => {
  it('waits Retry-After on 429 and retries', async () => {
    const { provider } = await connected({ fresh: true });
    fakes.zoom.failNext('zoom.createMeeting', { status: 429, retryAfter: 1 });
    const started = Date.now();
    const meeting = await provider.createMeeting(booking(1));
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fakes.zoom.meetings.has(Number(meeting.meetingId))).toBe(true);
    expect(fakes.zoom.requests.filter((r) => r.route === 'zoom.createMeeting').map((r) => r.status)).toEqual([429, 201]);
  });

  it('gives up with RATE_LIMITED when Retry-After is too long, without waiting it', async () => {
    const { provider } = await connected({ fresh: true });
    fakes.zoom.failNext('zoom.createMeeting', { status: 429, retryAfter: 3600 });
    const started = Date.now();
    const error = (await provider.createMeeting(booking(1)).catch((e: unknown) => e)) as SessionError;
    expect(error).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', details: { provider: 'zoom', httpStatus: 429, retryAfterSeconds: 3_600 } });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(fakes.zoom.meetings.size).toBe(0);
  });

  it('retries 429 a bounded number of times', async () => {
    const env = setup();
    const provider = zoom({ ...credentials, ...env, maxRetries: 2 });
    await provider.tokens.saveTokens('tutor-1', fakes.zoom.issueTokens('zoom-user-1'));
    fakes.zoom.failNext('zoom.createMeeting', { status: 429, retryAfter: 0 }, 5);
    await expect(provider.createMeeting(booking(1))).rejects.toMatchObject({ code: 'PROVIDER_RATE_LIMITED' });
    expect(fakes.zoom.count('zoom.createMeeting')).toBe(3);
  });

  it('a 5xx is a failure, not retried (a POST may have taken effect), and the key is not remembered', async () => {
    const { provider, meetings } = await connected({ fresh: true });
    fakes.zoom.failNext('zoom.createMeeting', { status: 500 });
    await expect(provider.createMeeting(booking(1))).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE', details: expect.objectContaining({ httpStatus: 500 }) });
    expect(fakes.zoom.count('zoom.createMeeting')).toBe(1);
    expect(meetings.meetings.size).toBe(0);
  });

  it('a call that passes its time limit fails with PROVIDER_UNAVAILABLE', async () => {
    const env = setup();
    const provider = zoom({ ...credentials, ...env, timeoutMs: 200 });
    await provider.tokens.saveTokens('tutor-1', fakes.zoom.issueTokens('zoom-user-1'));
    fakes.zoom.failNext('zoom.createMeeting', { delayMs: 1_000 });
    const error = (await provider.createMeeting(booking(1)).catch((e: unknown) => e)) as SessionError;
    expect(error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    expect(error.message).toMatch(/200 ms/);
  });

  it('a tutor without a connection gets PROVIDER_NOT_CONNECTED (reason NOT_CONNECTED)', async () => {
    const env = setup();
    const provider = zoom({ ...credentials, ...env });
    await expect(provider.createMeeting(booking(1))).rejects.toMatchObject({ code: 'PROVIDER_NOT_CONNECTED', details: { reason: 'NOT_CONNECTED' } });
  });
});
