import { describe, expect, it, vi } from 'vitest';
import { createSessionsCore, type Booking } from '@itutor/sessions-core';
import { createInMemoryAdapter, createManualClock, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import {
  createKeyRing,
  decryptToken,
  googleMeet,
  sealProviderTokens,
  tokenStoreFromConnections,
  videoProviders,
  zoom,
  type ConnectionInvalidEvent,
} from '../src/index';
import { credentials, fakes, KEY_A, useProviderFakes } from './support';

useProviderFakes();

const keyRing = createKeyRing({ currentKeyId: 'k1', keys: { k1: KEY_A } });
const START = new Date('2030-03-01T12:00:00.000Z');

/**
 * A host as the README wires it: the core over the in-memory adapter, Zoom and Meet whose tokens live
 * in the core's connection rows (tokenStoreFromConnections), meetings in the adapter, and the host's
 * email hook as the only thing it adds.
 */
function host(options: { onConnectionInvalid?: (e: ConnectionInvalidEvent) => void } = {}) {
  const clock = createManualClock(START);
  const adapter = createInMemoryAdapter({ clock });
  const store = tokenStoreFromConnections(adapter.connections);
  const shared = { store, keyRing, meetings: adapter.meetings, clock, ...(options.onConnectionInvalid ? { onConnectionInvalid: options.onConnectionInvalid } : {}) };
  const zoomProvider = zoom({ ...credentials, ...shared });
  const meetProvider = googleMeet({ ...credentials, ...shared });
  const core = createSessionsCore({
    adapter,
    videoProvider: videoProviders({ zoom: zoomProvider, google_meet: meetProvider }),
    paymentGateway: createRecordingPaymentGateway(),
    clock,
  });
  return { clock, adapter, store, zoomProvider, meetProvider, core };
}

/** Connects tutor-1 to Zoom the way the OAuth callback does: sealed tokens, one connectProvider. */
async function connectZoom(h: ReturnType<typeof host>, opts: { expiresInSeconds?: number } = {}) {
  const issued = fakes.zoom.issueTokens('zoom-user-1', { expiresInSeconds: opts.expiresInSeconds ?? 3600 });
  const tokens = { ...issued, expiresAt: new Date(START.getTime() + (opts.expiresInSeconds ?? 3600) * 1000) };
  await h.core.providers.connect({ tutorId: 'tutor-1', provider: 'zoom', tokens: await h.zoomProvider.tokens.sealTokens('tutor-1', tokens) });
  return issued;
}

const booking = (n: number): Booking => ({
  bookingId: `bk-${n}`,
  tutorId: 'tutor-1',
  studentId: 'student-1',
  scheduledStartAt: new Date('2030-03-02T15:00:00.000Z'),
  durationMinutes: 60,
  priceMinor: 15_000,
});

describe('tokenStoreFromConnections(): tokens in the connection row', () => {
  it('stores only ciphertexts in the connection; a booking makes a meeting with the decrypted token', async () => {
    const h = host();
    const issued = await connectZoom(h);
    const stored = (await h.adapter.raw.tokens('tutor-1'))!;
    expect(stored).toMatchObject({ provider: 'zoom', status: 'connected', version: 1, accessToken: { keyId: 'k1' } });
    expect(JSON.stringify(stored)).not.toContain(issued.accessToken);
    expect(JSON.stringify(stored)).not.toContain(issued.refreshToken);
    expect(await decryptToken(keyRing, stored.refreshToken!, 'tutor-1:zoom:refresh')).toBe(issued.refreshToken);

    const { session } = await h.core.sessions.create(booking(1));
    expect(fakes.zoom.meetings.get(Number(session.meetingId))).toMatchObject({ user: 'zoom-user-1' });
    expect(await h.adapter.meetings.find('zoom', 'itutor-booking-bk-1')).toEqual({ meetingId: session.meetingId, joinUrl: session.joinUrl });
    const visible = JSON.stringify([await h.adapter.raw.tutorEvents('tutor-1'), await h.core.providers.get('tutor-1'), session]);
    for (const secret of [issued.accessToken, issued.refreshToken, stored.accessToken.ciphertext]) expect(visible).not.toContain(secret);
  });

  it('20 concurrent bookings with an expired access token refresh once; the rotated refresh token is stored', async () => {
    const h = host();
    const issued = await connectZoom(h, { expiresInSeconds: -10 });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => h.core.sessions.create(booking(i))));
    expect(results.every((r) => r.created)).toBe(true);
    expect(fakes.zoom.count('token')).toBe(1);
    expect(fakes.zoom.meetings.size).toBe(20);
    const stored = (await h.adapter.raw.tokens('tutor-1'))!;
    const refresh = await decryptToken(keyRing, stored.refreshToken!, 'tutor-1:zoom:refresh');
    expect(refresh).not.toBe(issued.refreshToken);
    expect(fakes.zoom.isRefreshTokenValid(refresh)).toBe(true);
    expect(fakes.zoom.isRefreshTokenValid(issued.refreshToken)).toBe(false);
    expect(stored.refreshLeaseUntil).toBeNull();
    // The lease and the refresh were token writes only: the connection itself did not change.
    expect(await h.core.providers.get('tutor-1')).toMatchObject({ status: 'connected', version: 1 });
    expect((await h.adapter.raw.tutorEvents('tutor-1')).filter((e) => e.type.startsWith('provider.')).map((e) => e.type)).toEqual(['provider.connected']);
  });

  it('a switch while a refresh is in flight wins: the refresh cannot overwrite the new provider’s tokens', async () => {
    const h = host();
    await connectZoom(h, { expiresInSeconds: -10 });
    fakes.zoom.failNext('token', { delayMs: 150 });
    const refreshing = h.zoomProvider.tokens.getAccessToken('tutor-1').catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const google = fakes.google.issueTokens('google-user-1');
    await h.core.providers.connect({ tutorId: 'tutor-1', provider: 'google_meet', tokens: await h.meetProvider.tokens.sealTokens('tutor-1', google) });
    expect(await refreshing).toMatchObject({ code: 'PROVIDER_REFRESH_IN_PROGRESS' });
    const stored = (await h.adapter.raw.tokens('tutor-1'))!;
    expect(stored.provider).toBe('google_meet');
    expect(await decryptToken(keyRing, stored.accessToken, 'tutor-1:google_meet:access')).toBe(google.accessToken);
  });

  it('cannot create tokens without a connection, and says how to connect', async () => {
    const h = host();
    await expect(h.zoomProvider.tokens.saveTokens('tutor-1', fakes.zoom.issueTokens('zoom-user-1'))).rejects.toMatchObject({
      code: 'PROVIDER_NOT_CONNECTED',
      details: { provider: 'zoom', reason: 'NOT_CONNECTED' },
      message: expect.stringContaining('core.providers.connect'),
    });
    expect(await h.adapter.raw.connections('tutor-1')).toEqual([]);
  });

  it('sealProviderTokens seals as the token manager reads (bound to tutor, provider and field)', async () => {
    const sealed = await sealProviderTokens(keyRing, { tutorId: 'tutor-1', provider: 'zoom' }, { accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: null });
    expect(sealed.accessToken.ciphertext).not.toContain('at-1');
    expect(await decryptToken(keyRing, sealed.accessToken, 'tutor-1:zoom:access')).toBe('at-1');
    await expect(decryptToken(keyRing, sealed.accessToken, 'tutor-2:zoom:access')).rejects.toMatchObject({ code: 'TOKEN_DECRYPTION_FAILED' });
    await expect(decryptToken(keyRing, sealed.refreshToken!, 'tutor-1:zoom:access')).rejects.toMatchObject({ code: 'TOKEN_DECRYPTION_FAILED' });
  });
});

describe('a refused refresh: the connection goes bad in the core, bookings are refused', () => {
  it('revoked at Zoom → connection invalid with one event, the hook called once, every booking refused with PROVIDER_NOT_CONNECTED', async () => {
    const hook = vi.fn();
    const h = host({ onConnectionInvalid: hook });
    const issued = await connectZoom(h, { expiresInSeconds: -10 });
    fakes.zoom.revokeRefreshToken(issued.refreshToken);

    // Concurrent bookings: one refresh attempt, all refused with the core's code, no meeting made.
    const settled = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => h.core.sessions.create(booking(i))));
    for (const result of settled) {
      expect(result).toMatchObject({ status: 'rejected', reason: { code: 'PROVIDER_NOT_CONNECTED', details: { provider: 'zoom', reason: 'CONNECTION_INVALID' } } });
      expect(String((result as PromiseRejectedResult).reason.message)).not.toContain(issued.refreshToken);
    }
    expect(fakes.zoom.count('token')).toBe(1);
    expect(fakes.zoom.meetings.size).toBe(0);

    const connection = await h.core.providers.get('tutor-1');
    expect(connection).toMatchObject({ provider: 'zoom', status: 'invalid', version: 2 });
    expect(await h.core.providers.canAcceptBookings('tutor-1')).toBe(false);
    const changes = (await h.adapter.raw.tutorEvents('tutor-1')).filter((e) => e.type === 'provider.status_changed');
    expect(changes.map((e) => [e.actor, e.payload])).toEqual([['system', { provider: 'zoom', from: 'connected', to: 'invalid', reason: 'invalid_request' }]]);
    expect(JSON.stringify(changes)).not.toContain(issued.refreshToken);
    expect(hook).toHaveBeenCalledTimes(1);
    expect(hook).toHaveBeenCalledWith({ tutorId: 'tutor-1', provider: 'zoom', status: 'invalid', reason: 'invalid_request' });

    // From now on the core refuses before asking any provider; nothing was switched to Meet.
    await expect(h.core.sessions.create(booking(9))).rejects.toMatchObject({ code: 'PROVIDER_NOT_CONNECTED', message: expect.stringContaining('zoom connection is invalid') });
    expect(fakes.zoom.count('token')).toBe(1);
    expect(fakes.google.requests).toEqual([]);
    expect(await h.adapter.raw.sessionsForBooking('bk-9')).toEqual([]);

    // Reconnecting (the OAuth callback) makes bookings work again.
    await connectZoom(h);
    expect((await h.core.sessions.create(booking(9))).created).toBe(true);
    expect(hook).toHaveBeenCalledTimes(1);
  });

  it('Google invalid_grant marks the Meet connection invalid; a 5xx does not', async () => {
    const h = host();
    const google = fakes.google.issueTokens('google-user-1', { expiresInSeconds: -10 });
    await h.core.providers.connect({ tutorId: 'tutor-1', provider: 'google_meet', tokens: await h.meetProvider.tokens.sealTokens('tutor-1', { ...google, expiresAt: new Date(START.getTime() - 10_000) }) });
    fakes.google.failNext('token', { status: 503 });
    await expect(h.core.sessions.create(booking(1))).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    expect(await h.core.providers.get('tutor-1')).toMatchObject({ status: 'connected', version: 1 });
    fakes.google.revokeRefreshToken(google.refreshToken);
    await expect(h.core.sessions.create(booking(1))).rejects.toMatchObject({ code: 'PROVIDER_NOT_CONNECTED' });
    expect(await h.core.providers.get('tutor-1')).toMatchObject({ provider: 'google_meet', status: 'invalid' });
  });

  it('a hook that throws does not undo the marking or hide the refusal', async () => {
    const h = host({
      onConnectionInvalid: () => {
        throw new Error('mail server down');
      },
    });
    const issued = await connectZoom(h, { expiresInSeconds: -10 });
    fakes.zoom.revokeRefreshToken(issued.refreshToken);
    await expect(h.core.sessions.create(booking(1))).rejects.toMatchObject({ code: 'PROVIDER_NOT_CONNECTED' });
    expect(await h.core.providers.get('tutor-1')).toMatchObject({ status: 'invalid' });
  });

  it('a tutor who reconnected while the refused refresh ran is not marked, and not told', async () => {
    const hook = vi.fn();
    const h = host({ onConnectionInvalid: hook });
    const issued = await connectZoom(h, { expiresInSeconds: -10 });
    fakes.zoom.revokeRefreshToken(issued.refreshToken);
    fakes.zoom.failNext('token', { delayMs: 150, status: 400, body: { reason: 'Invalid Token!', error: 'invalid_request' } });
    const refused = h.zoomProvider.tokens.getAccessToken('tutor-1').catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    await connectZoom(h);
    expect(await refused).toMatchObject({ code: 'PROVIDER_NOT_CONNECTED', details: { reason: 'CONNECTION_INVALID' } });
    expect(await h.core.providers.get('tutor-1')).toMatchObject({ status: 'connected' });
    expect(hook).not.toHaveBeenCalled();
    expect((await h.core.sessions.create(booking(1))).created).toBe(true);
  });
});

describe('reconciliation before settlement through videoProviders() and the real Zoom client', () => {
  const end = new Date('2030-03-02T16:00:00.000Z');

  it('an early end Zoom knows but never delivered: the cron asks Zoom’s past meeting and settles EARLY_END_SHORT', async () => {
    const h = host();
    await connectZoom(h);
    const { session } = await h.core.sessions.create(booking(1));
    fakes.zoom.endMeeting(session.meetingId, { startedAt: new Date('2030-03-02T15:01:00Z'), endedAt: new Date('2030-03-02T15:25:00Z') });
    h.clock.set(end);
    expect(await h.core.settlement.run()).toMatchObject({ earlyEnded: 1, meetingEndsReconciled: 1 });
    expect(await h.core.sessions.get(session.id)).toMatchObject({ status: 'EARLY_END_SHORT', chargeAmountMinor: 0, meetingEndedAt: new Date('2030-03-02T15:25:00Z') });
    expect(fakes.zoom.count('zoom.pastMeeting')).toBe(1);
  });

  it('Zoom answering 500: the session is neither settled nor charged; the next run after the lease settles on Zoom’s answer', async () => {
    const h = host();
    await connectZoom(h);
    const { session } = await h.core.sessions.create(booking(2));
    fakes.zoom.failNext('zoom.pastMeeting', { status: 500, body: { code: 500, message: 'Internal error' } });
    h.clock.set(end);
    expect(await h.core.settlement.run()).toMatchObject({ settlementsDeferred: 1, completed: 0 });
    expect(await h.core.sessions.get(session.id)).toMatchObject({ status: 'SCHEDULED', chargeStatus: 'none' });
    // Zoom is back: no past meeting (404), and the meeting itself still waiting to start — Zoom says it
    // never started, and nobody pressed Join: NOBODY_JOINED, nothing charged (#22).
    h.clock.set(new Date(end.getTime() + 6 * 60_000));
    expect(await h.core.settlement.run()).toMatchObject({ nobodyJoined: 1, completed: 0, settlementsDeferred: 0 });
    expect(await h.core.sessions.get(session.id)).toMatchObject({ status: 'NOBODY_JOINED', chargeAmountMinor: 0, chargeStatus: 'none' });
    expect(fakes.zoom.count('zoom.pastMeeting')).toBe(2);
  });

  it('Zoom has no past meeting but the student pressed Join: not nobody, the usual rules (a full charge)', async () => {
    const h = host();
    await connectZoom(h);
    const { session } = await h.core.sessions.create(booking(5));
    h.clock.set(new Date('2030-03-02T15:01:00Z'));
    await h.core.sessions.join({ sessionId: session.id, userId: session.studentId });
    h.clock.set(end);
    expect(await h.core.settlement.run()).toMatchObject({ completed: 1, nobodyJoined: 0 });
    expect(await h.core.sessions.get(session.id)).toMatchObject({ status: 'COMPLETED_ASSUMED', chargeAmountMinor: session.priceMinor });
  });

  it('a provider not configured in videoProviders() has no record: the usual rules apply', async () => {
    const router = videoProviders({});
    expect(await router.getMeetingTimes!({ provider: 'zoom', tutorId: 't', meetingId: '1' })).toBeNull();
  });
});
