import { describe, expect, it, vi } from 'vitest';
import { decryptToken, googleMeet, videoProviders, zoom } from '../src/index';
import { booking, credentials, fakes, setup, useProviderFakes } from './support';

useProviderFakes();

async function connected(opts: { fresh?: boolean; onConnectionInvalid?: () => void } = {}) {
  const env = setup();
  const provider = googleMeet({ ...credentials, ...env, ...(opts.onConnectionInvalid ? { onConnectionInvalid: opts.onConnectionInvalid } : {}) });
  const seeded = fakes.google.issueTokens('google-user-1', { expiresInSeconds: opts.fresh ? 3600 : -10 });
  await provider.tokens.saveTokens('tutor-1', seeded);
  return { ...env, provider, seeded };
}

describe('googleMeet()', () => {
  it('creates a meeting space whose meetingUri is the join URL', async () => {
    const { provider } = await connected({ fresh: true });
    const meeting = await provider.createMeeting(booking(1, 'google_meet'));
    const space = fakes.google.spaces.get(meeting.meetingId)!;
    expect(meeting).toEqual({ meetingId: space.name, joinUrl: space.meetingUri });
    expect(meeting.joinUrl).toMatch(/^https:\/\/meet\.google\.com\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
    expect(space.accessType).toBe('OPEN');
  });

  it('is idempotent per key', async () => {
    const { provider } = await connected({ fresh: true });
    const all = await Promise.all(Array.from({ length: 5 }, () => provider.createMeeting(booking(7, 'google_meet'))));
    expect(new Set(all.map((m) => m.meetingId)).size).toBe(1);
    expect(await provider.createMeeting(booking(7, 'google_meet'))).toEqual(all[0]);
    expect(fakes.google.spaces.size).toBe(1);
  });

  it('20 concurrent creations with an expired token refresh once; Google keeps the refresh token', async () => {
    const env = await connected();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => env.provider.createMeeting(booking(i, 'google_meet'))));
    expect(fakes.google.count('token')).toBe(1);
    expect(new Set(results.map((m) => m.meetingId)).size).toBe(20);
    const record = env.store.records.get('tutor-1')!;
    expect(await decryptToken(env.keyRing, record.refreshToken!, 'tutor-1:google_meet:refresh')).toBe(env.seeded.refreshToken);
    expect(record.expiresAt!.getTime()).toBeGreaterThan(Date.now());
  });

  it('invalid_grant marks the connection invalid and tells the host', async () => {
    const hook = vi.fn();
    const env = await connected({ onConnectionInvalid: hook });
    fakes.google.revokeRefreshToken(env.seeded.refreshToken);
    await expect(env.provider.createMeeting(booking(1, 'google_meet'))).rejects.toMatchObject({ code: 'PROVIDER_NOT_CONNECTED', details: { provider: 'google_meet', reason: 'CONNECTION_INVALID' } });
    expect(hook).toHaveBeenCalledWith({ tutorId: 'tutor-1', provider: 'google_meet', status: 'invalid', reason: 'invalid_grant' });
    expect(env.store.records.get('tutor-1')!.status).toBe('invalid');
    expect(fakes.google.spaces.size).toBe(0);
  });

  it('deleteMeeting restricts the space (Meet spaces cannot be deleted) and forgets the key', async () => {
    const { provider, meetings } = await connected({ fresh: true });
    const meeting = await provider.createMeeting(booking(1, 'google_meet'));
    await provider.deleteMeeting({ provider: 'google_meet', tutorId: 'tutor-1', meetingId: meeting.meetingId });
    expect(fakes.google.spaces.get(meeting.meetingId)!.accessType).toBe('RESTRICTED');
    expect(meetings.meetings.size).toBe(0);
  });

  it('reads the actual end from conference records: never started before, null while running, the last end after', async () => {
    const { provider } = await connected({ fresh: true });
    const meeting = await provider.createMeeting(booking(1, 'google_meet'));
    const read = () => provider.getMeetingTimes({ tutorId: 'tutor-1', meetingId: meeting.meetingId });
    expect(await read()).toEqual({ startedAt: null, endedAt: null, neverStarted: true });
    fakes.google.addConference(meeting.meetingId, { startedAt: new Date('2030-03-01T15:01:00Z'), endedAt: new Date('2030-03-01T15:20:00Z') });
    fakes.google.addConference(meeting.meetingId, { startedAt: new Date('2030-03-01T15:25:00Z') });
    expect(await read()).toEqual({ startedAt: new Date('2030-03-01T15:01:00Z'), endedAt: null });
    fakes.google.spaces.get(meeting.meetingId)!.conferences[1]!.endTime = '2030-03-01T15:59:00.000Z';
    expect(await read()).toEqual({ startedAt: new Date('2030-03-01T15:01:00Z'), endedAt: new Date('2030-03-01T15:59:00Z') });
  });

  it('429 with Retry-After is retried; 503 is a failure', async () => {
    const { provider } = await connected({ fresh: true });
    fakes.google.failNext('meet.createSpace', { status: 429, retryAfter: 0 });
    await expect(provider.createMeeting(booking(1, 'google_meet'))).resolves.toMatchObject({ meetingId: expect.stringMatching(/^spaces\//) });
    fakes.google.failNext('meet.createSpace', { status: 503 });
    await expect(provider.createMeeting(booking(2, 'google_meet'))).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE', details: expect.objectContaining({ httpStatus: 503 }) });
  });
});

describe('videoProviders()', () => {
  it('routes by the input’s provider and never falls back to another one', async () => {
    const env = setup();
    const meet = googleMeet({ ...credentials, ...env });
    await meet.tokens.saveTokens('tutor-1', fakes.google.issueTokens('google-user-1'));
    const onlyMeet = videoProviders({ google_meet: meet });
    await expect(onlyMeet.createMeeting(booking(1, 'google_meet'))).resolves.toMatchObject({ meetingId: expect.stringMatching(/^spaces\//) });
    await expect(onlyMeet.createMeeting(booking(2, 'zoom'))).rejects.toMatchObject({ code: 'PROVIDER_NOT_CONNECTED', details: { provider: 'zoom', reason: 'NOT_CONNECTED' } });

    // A tutor whose stored connection is Meet is not served by Zoom.
    const both = videoProviders({ google_meet: meet, zoom: zoom({ ...credentials, ...env }) });
    // The tutor has no Zoom tokens: the booking is refused as the core refuses an unusable connection.
    await expect(both.createMeeting(booking(3, 'zoom'))).rejects.toMatchObject({ code: 'PROVIDER_NOT_CONNECTED', details: { provider: 'zoom', reason: 'NOT_CONNECTED' } });
    expect(fakes.zoom.count('zoom.createMeeting')).toBe(0);
  });
});
