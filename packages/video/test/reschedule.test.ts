import { http } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import type { VideoProvider } from '@itutor/sessions-core';
import { googleMeet, renewMeetSubscriptions, videoProviders, zoom, type MeetEventSubscriptionsOptions } from '../src/index';
import { createMemoryMeetSubscriptionStore, type MemoryMeetSubscriptionStore } from '../src/testing/index';
import { booking, credentials, fakes, setup, useProviderFakes } from './support';

// Issue #22: reschedules move the meeting (`moveMeeting`), and settlement takes a provider's positive
// "never started" (`MeetingTimes.neverStarted`) as evidence for NOBODY_JOINED: both against the fakes
// of the providers' documented endpoints.

const server = useProviderFakes();

const DAY = 24 * 3600_000;
const TOPIC = 'projects/itutor-test/topics/meet-events';
/** Where the booking (support's: 2030-03-01 15:00 UTC, 60 minutes) is moved to. */
const NEW_START = new Date('2030-03-04T17:30:00.000Z');

async function zoomConnected(opts: { fresh?: boolean; maxRetryAfterMs?: number } = {}) {
  const env = setup();
  const provider = zoom({ ...credentials, ...env, maxRetryAfterMs: opts.maxRetryAfterMs ?? 2_000 });
  const seeded = fakes.zoom.issueTokens('zoom-user-1', { expiresInSeconds: opts.fresh === false ? -10 : 3600 });
  await provider.tokens.saveTokens('tutor-1', seeded);
  return { ...env, provider, seeded };
}

async function meetConnected(opts: { subscriptions?: Partial<MeetEventSubscriptionsOptions>; store?: MemoryMeetSubscriptionStore; events?: boolean } = {}) {
  const env = setup();
  const subscriptionStore = opts.store ?? createMemoryMeetSubscriptionStore();
  const provider = googleMeet({
    ...credentials,
    ...env,
    ...(opts.events === false ? {} : { eventSubscriptions: { pubsubTopic: TOPIC, store: subscriptionStore, operationPollMs: 5, ...opts.subscriptions } }),
  });
  await provider.tokens.saveTokens('tutor-1', fakes.google.issueTokens('google-user-1'));
  return { ...env, provider, subscriptionStore };
}

const zoomMove = (meetingId: string, extra: { startAt?: Date; durationMinutes?: number; signal?: AbortSignal } = {}) => ({
  provider: 'zoom' as const,
  tutorId: 'tutor-1',
  meetingId,
  startAt: extra.startAt ?? NEW_START,
  durationMinutes: extra.durationMinutes ?? 45,
  ...(extra.signal ? { signal: extra.signal } : {}),
});
const meetMove = (meetingId: string, startAt = NEW_START, durationMinutes = 90) => ({ provider: 'google_meet' as const, tutorId: 'tutor-1', meetingId, startAt, durationMinutes });

/** Records the method, URL and JSON body of each request to a Zoom meeting, then lets the fake answer. */
function captureZoomMeetingRequests() {
  const seen: Array<{ method: string; url: string; body: unknown }> = [];
  server.use(
    http.all('https://api.zoom.us/v2/meetings/:id', async ({ request }) => {
      const text = await request.clone().text();
      seen.push({ method: request.method, url: request.url, body: text ? JSON.parse(text) : undefined });
      return undefined; // fall through to the fake
    }),
  );
  return seen;
}

const statuses = (route: Parameters<typeof fakes.zoom.count>[0]) => fakes.zoom.requests.filter((r) => r.route === route).map((r) => r.status);

describe('zoom(): moveMeeting', () => {
  it('updates the meeting (PATCH, start_time in UTC without millis, duration, timezone UTC): same id, same join link', async () => {
    const { provider } = await zoomConnected();
    const meeting = await provider.createMeeting(booking(1));
    const seen = captureZoomMeetingRequests();
    await expect(provider.moveMeeting(zoomMove(meeting.meetingId))).resolves.toBeUndefined();
    expect(seen).toEqual([
      { method: 'PATCH', url: `https://api.zoom.us/v2/meetings/${meeting.meetingId}`, body: { start_time: '2030-03-04T17:30:00Z', duration: 45, timezone: 'UTC' } },
    ]);
    expect(statuses('zoom.updateMeeting')).toEqual([204]);
    const stored = fakes.zoom.meetings.get(Number(meeting.meetingId))!;
    expect(stored).toMatchObject({ id: Number(meeting.meetingId), join_url: meeting.joinUrl, start_time: '2030-03-04T17:30:00Z', duration: 45, timezone: 'UTC' });
    expect(fakes.zoom.meetings.size).toBe(1);
    // The booking's meeting is still the one remembered for its key: a retried booking gets it, unchanged.
    expect(await provider.createMeeting(booking(1))).toEqual(meeting);
    expect(fakes.zoom.count('zoom.createMeeting')).toBe(1);
  });

  it('is idempotent: moving it again to where it already is succeeds and changes nothing', async () => {
    const { provider } = await zoomConnected();
    const meeting = await provider.createMeeting(booking(1));
    await provider.moveMeeting(zoomMove(meeting.meetingId));
    const after = { ...fakes.zoom.meetings.get(Number(meeting.meetingId))! };
    await expect(provider.moveMeeting(zoomMove(meeting.meetingId))).resolves.toBeUndefined();
    expect(fakes.zoom.meetings.get(Number(meeting.meetingId))).toEqual(after);
    expect(statuses('zoom.updateMeeting')).toEqual([204, 204]);
  });

  it('a meeting Zoom does not have (404, code 3001) is PROVIDER_REQUEST_FAILED with httpStatus 404, for a deleted one too', async () => {
    const { provider } = await zoomConnected();
    const error = await provider.moveMeeting(zoomMove('85999999999')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PROVIDER_REQUEST_FAILED', details: { provider: 'zoom', httpStatus: 404 } });
    expect((error as Error).message).toMatch(/3001/);
    const meeting = await provider.createMeeting(booking(2));
    await provider.deleteMeeting({ provider: 'zoom', tutorId: 'tutor-1', meetingId: meeting.meetingId });
    await expect(provider.moveMeeting(zoomMove(meeting.meetingId))).rejects.toMatchObject({ code: 'PROVIDER_REQUEST_FAILED', details: { httpStatus: 404 } });
    expect(statuses('zoom.updateMeeting')).toEqual([404, 404]);
  });

  it('429 waits Retry-After and retries; a Retry-After too long is PROVIDER_RATE_LIMITED with retryAfterSeconds, the meeting unmoved', async () => {
    const { provider } = await zoomConnected();
    const meeting = await provider.createMeeting(booking(1));
    fakes.zoom.failNext('zoom.updateMeeting', { status: 429, retryAfter: 1 });
    const started = Date.now();
    await provider.moveMeeting(zoomMove(meeting.meetingId));
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(statuses('zoom.updateMeeting')).toEqual([429, 204]);

    fakes.zoom.failNext('zoom.updateMeeting', { status: 429, retryAfter: 3600 });
    const error = await provider.moveMeeting(zoomMove(meeting.meetingId, { startAt: new Date('2030-03-05T09:00:00Z') })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', details: { provider: 'zoom', httpStatus: 429, retryAfterSeconds: 3600 } });
    expect(fakes.zoom.meetings.get(Number(meeting.meetingId))!.start_time).toBe('2030-03-04T17:30:00Z');
  });

  it('a 5xx is PROVIDER_UNAVAILABLE, not retried, the meeting unmoved', async () => {
    const { provider } = await zoomConnected();
    const meeting = await provider.createMeeting(booking(1));
    fakes.zoom.failNext('zoom.updateMeeting', { status: 503 });
    await expect(provider.moveMeeting(zoomMove(meeting.meetingId))).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE', details: { provider: 'zoom', httpStatus: 503 } });
    expect(fakes.zoom.count('zoom.updateMeeting')).toBe(1);
    expect(fakes.zoom.meetings.get(Number(meeting.meetingId))!.start_time).toBe('2030-03-01T15:00:00Z');
  });

  it('a hanging Zoom is left when the caller’s signal aborts: PROVIDER_UNAVAILABLE at once', async () => {
    const { provider } = await zoomConnected();
    const meeting = await provider.createMeeting(booking(1));
    fakes.zoom.failNext('zoom.updateMeeting', { delayMs: 5_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('the core stopped waiting')), 100);
    const started = Date.now();
    const error = await provider.moveMeeting(zoomMove(meeting.meetingId, { signal: controller.signal })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', details: { provider: 'zoom' } });
    expect((error as Error).message).toMatch(/stopped/);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('an already aborted signal sends nothing; an abort during a Retry-After wait stops the wait', async () => {
    const { provider } = await zoomConnected({ maxRetryAfterMs: 30_000 });
    const meeting = await provider.createMeeting(booking(1));
    await expect(provider.moveMeeting(zoomMove(meeting.meetingId, { signal: AbortSignal.abort() }))).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    expect(fakes.zoom.count('zoom.updateMeeting')).toBe(0);

    fakes.zoom.failNext('zoom.updateMeeting', { status: 429, retryAfter: 20 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await expect(provider.moveMeeting(zoomMove(meeting.meetingId, { signal: controller.signal }))).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(statuses('zoom.updateMeeting')).toEqual([429]);
  });

  it('a token Zoom refuses (401) is refreshed once and the move retried; an expired one is refreshed first', async () => {
    const { provider } = await zoomConnected();
    const meeting = await provider.createMeeting(booking(1));
    fakes.zoom.expireAccessTokens();
    await provider.moveMeeting(zoomMove(meeting.meetingId));
    expect(statuses('zoom.updateMeeting')).toEqual([401, 204]);
    expect(fakes.zoom.count('token')).toBe(1);
    expect(fakes.zoom.meetings.get(Number(meeting.meetingId))!.start_time).toBe('2030-03-04T17:30:00Z');

    const stale = await zoomConnected({ fresh: false });
    const other = await stale.provider.createMeeting(booking(2));
    expect(fakes.zoom.count('token')).toBe(2);
    await stale.provider.moveMeeting(zoomMove(other.meetingId, { durationMinutes: 30 }));
    expect(fakes.zoom.meetings.get(Number(other.meetingId))).toMatchObject({ start_time: '2030-03-04T17:30:00Z', duration: 30 });
  });

  it('refuses an input for another provider instead of switching', async () => {
    const { provider } = await zoomConnected();
    await expect(provider.moveMeeting({ ...zoomMove('85000000001'), provider: 'google_meet' })).rejects.toMatchObject({ code: 'PROVIDER_MISMATCH' });
    expect(fakes.zoom.count('zoom.updateMeeting')).toBe(0);
  });
});

describe('zoom(): getMeetingTimes and neverStarted', () => {
  it('no past meeting and the meeting still waiting: never started', async () => {
    const { provider } = await zoomConnected();
    const meeting = await provider.createMeeting(booking(1));
    expect(await provider.getMeetingTimes({ tutorId: 'tutor-1', meetingId: meeting.meetingId })).toEqual({ startedAt: null, endedAt: null, neverStarted: true });
    expect(statuses('zoom.pastMeeting')).toEqual([404]);
    expect(statuses('zoom.getMeeting')).toEqual([200]);
  });

  it('a live meeting (past meeting 404, status started) is running: no end, and never "never started"', async () => {
    const { provider } = await zoomConnected();
    const meeting = await provider.createMeeting(booking(1));
    fakes.zoom.startMeeting(meeting.meetingId);
    const times = await provider.getMeetingTimes({ tutorId: 'tutor-1', meetingId: meeting.meetingId });
    expect(times).toEqual({ startedAt: null, endedAt: null });
    expect(times).not.toHaveProperty('neverStarted');
  });

  it('a meeting that took place answers from the past meeting, without asking for the meeting', async () => {
    const { provider } = await zoomConnected();
    const meeting = await provider.createMeeting(booking(1));
    fakes.zoom.startMeeting(meeting.meetingId);
    fakes.zoom.endMeeting(meeting.meetingId, { startedAt: new Date('2030-03-01T15:02:00Z'), endedAt: new Date('2030-03-01T15:58:00Z') });
    const times = await provider.getMeetingTimes({ tutorId: 'tutor-1', meetingId: meeting.meetingId });
    expect(times).toEqual({ startedAt: new Date('2030-03-01T15:02:00Z'), endedAt: new Date('2030-03-01T15:58:00Z') });
    expect(fakes.zoom.count('zoom.getMeeting')).toBe(0);
  });

  it('a meeting Zoom does not have either (GET /meetings 404) is null: not found is no proof', async () => {
    const { provider } = await zoomConnected();
    const meeting = await provider.createMeeting(booking(1));
    await provider.deleteMeeting({ provider: 'zoom', tutorId: 'tutor-1', meetingId: meeting.meetingId });
    expect(await provider.getMeetingTimes({ tutorId: 'tutor-1', meetingId: meeting.meetingId })).toBeNull();
    expect(statuses('zoom.getMeeting')).toEqual([404]);
    // A meeting of another Zoom account (the tutor reconnected with another one) is not found either.
    const other = await provider.createMeeting(booking(2));
    await provider.tokens.saveTokens('tutor-1', fakes.zoom.issueTokens('zoom-user-2'));
    expect(await provider.getMeetingTimes({ tutorId: 'tutor-1', meetingId: other.meetingId })).toBeNull();
  });

  it('any other answer about the meeting is null: an unknown status, no status, another meeting’s id', async () => {
    const { provider } = await zoomConnected();
    const meeting = await provider.createMeeting(booking(1));
    const read = () => provider.getMeetingTimes({ tutorId: 'tutor-1', meetingId: meeting.meetingId });
    fakes.zoom.failNext('zoom.getMeeting', { status: 200, body: { id: Number(meeting.meetingId), status: 'finished' } });
    expect(await read()).toBeNull();
    fakes.zoom.failNext('zoom.getMeeting', { status: 200, body: { id: Number(meeting.meetingId) } });
    expect(await read()).toBeNull();
    fakes.zoom.failNext('zoom.getMeeting', { status: 200, body: { id: 85_123_456_789, status: 'waiting' } });
    expect(await read()).toBeNull();
    fakes.zoom.failNext('zoom.getMeeting', { status: 200, body: { status: 'waiting' } });
    expect(await read()).toBeNull();
    // The fake's own answer again: waiting.
    expect(await read()).toEqual({ startedAt: null, endedAt: null, neverStarted: true });
  });

  it('Zoom failing on the meeting lookup is an error (retried later), not a guess', async () => {
    const { provider } = await zoomConnected();
    const meeting = await provider.createMeeting(booking(1));
    fakes.zoom.failNext('zoom.getMeeting', { status: 502 });
    await expect(provider.getMeetingTimes({ tutorId: 'tutor-1', meetingId: meeting.meetingId })).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE', details: { httpStatus: 502 } });
    fakes.zoom.failNext('zoom.getMeeting', { status: 429, retryAfter: 3600 });
    await expect(provider.getMeetingTimes({ tutorId: 'tutor-1', meetingId: meeting.meetingId })).rejects.toMatchObject({ code: 'PROVIDER_RATE_LIMITED' });
  });

  it('the lookup’s signal stops a hanging Zoom', async () => {
    const { provider } = await zoomConnected();
    const meeting = await provider.createMeeting(booking(1));
    fakes.zoom.failNext('zoom.getMeeting', { delayMs: 5_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await expect(provider.getMeetingTimes({ tutorId: 'tutor-1', meetingId: meeting.meetingId, signal: controller.signal })).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});

describe('googleMeet(): moveMeeting', () => {
  it('re-ensures the space’s subscription for the new end: the same subscription, kept until the moved session’s end plus keepAfterEnd', async () => {
    const { provider, subscriptionStore } = await meetConnected();
    const meeting = await provider.createMeeting(booking(1, 'google_meet'));
    const before = subscriptionStore.records.get(meeting.meetingId)!;
    expect(before.keepUntil).toEqual(new Date(new Date('2030-03-01T16:00:00Z').getTime() + DAY));
    const googleCalls = fakes.google.requests.length;

    await expect(provider.moveMeeting(meetMove(meeting.meetingId))).resolves.toBeUndefined();
    // 2030-03-04 17:30 + 90 minutes = 19:00, plus a day.
    expect(subscriptionStore.records.get(meeting.meetingId)).toEqual({ ...before, keepUntil: new Date(new Date('2030-03-04T19:00:00Z').getTime() + DAY) });
    // Nothing to move at Google: the space has no time, and the subscription is the same one.
    expect(fakes.google.requests.length).toBe(googleCalls);
    expect(fakes.google.subscriptions.size).toBe(1);

    // Idempotent.
    await provider.moveMeeting(meetMove(meeting.meetingId));
    expect(subscriptionStore.records.get(meeting.meetingId)!.keepUntil).toEqual(new Date(new Date('2030-03-04T19:00:00Z').getTime() + DAY));
    expect(fakes.google.requests.length).toBe(googleCalls);
  });

  it('the renewal job keeps a moved session’s subscription past the old end, and drops it after the new one', async () => {
    const { provider, subscriptionStore } = await meetConnected({ subscriptions: { keepAfterEndMinutes: 60 } });
    const meeting = await provider.createMeeting(booking(1, 'google_meet'));
    await provider.moveMeeting(meetMove(meeting.meetingId, new Date('2030-03-20T15:00:00Z'), 60));
    const client = provider.eventSubscriptions!;
    // Past the old end (+1 h) but before the new one: renewed, not dropped.
    const between = await renewMeetSubscriptions({ client, store: subscriptionStore, now: new Date('2030-03-02T12:00:00Z'), renewBeforeMinutes: 60 * 24 * 365 * 10 });
    expect(between).toMatchObject({ dropped: 0, renewed: 1 });
    const after = await renewMeetSubscriptions({ client, store: subscriptionStore, now: new Date('2030-03-20T17:00:01Z'), renewBeforeMinutes: 60 * 24 * 365 * 10 });
    expect(after).toMatchObject({ dropped: 1 });
    expect(subscriptionStore.records.size).toBe(0);
  });

  it('a space with no stored subscription (made before subscriptions were configured) is subscribed by the move', async () => {
    const env = setup();
    const plain = googleMeet({ ...credentials, ...env });
    await plain.tokens.saveTokens('tutor-1', fakes.google.issueTokens('google-user-1'));
    const meeting = await plain.createMeeting(booking(1, 'google_meet'));
    const subscriptionStore = createMemoryMeetSubscriptionStore();
    const provider = googleMeet({ ...credentials, ...env, eventSubscriptions: { pubsubTopic: TOPIC, store: subscriptionStore, operationPollMs: 5 } });
    await provider.moveMeeting(meetMove(meeting.meetingId));
    expect(fakes.google.count('events.createSubscription')).toBe(1);
    expect(subscriptionStore.records.get(meeting.meetingId)).toMatchObject({
      subscription: expect.stringMatching(/^subscriptions\//),
      keepUntil: new Date(new Date('2030-03-04T19:00:00Z').getTime() + DAY),
    });
  });

  it('Google failing to subscribe does not fail the move: stored without one, with the new end, and onError told', async () => {
    const onError = vi.fn();
    const { provider, subscriptionStore } = await meetConnected({ subscriptions: { onError } });
    fakes.google.failNext('events.createSubscription', { status: 503 });
    const meeting = await provider.createMeeting(booking(1, 'google_meet'));
    fakes.google.failNext('events.createSubscription', { status: 503 });
    await expect(provider.moveMeeting(meetMove(meeting.meetingId))).resolves.toBeUndefined();
    expect(onError).toHaveBeenCalledTimes(2);
    expect(subscriptionStore.records.get(meeting.meetingId)).toMatchObject({ subscription: null, keepUntil: new Date(new Date('2030-03-04T19:00:00Z').getTime() + DAY) });
  });

  it('a subscription store that cannot record the new end fails the move (PROVIDER_UNAVAILABLE)', async () => {
    const store = createMemoryMeetSubscriptionStore();
    const onError = vi.fn();
    const { provider } = await meetConnected({ store, subscriptions: { onError } });
    const meeting = await provider.createMeeting(booking(1, 'google_meet'));
    const failing = { ...store, save: () => Promise.reject(new Error('database down')) };
    const env = setup();
    const moved = googleMeet({ ...credentials, ...env, eventSubscriptions: { pubsubTopic: TOPIC, store: failing, operationPollMs: 5, onError } });
    await moved.tokens.saveTokens('tutor-1', fakes.google.issueTokens('google-user-1'));
    await expect(moved.moveMeeting(meetMove(meeting.meetingId))).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE', details: { provider: 'google_meet' } });
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'database down' }), { space: meeting.meetingId, tutorId: 'tutor-1' });
    // The record is as it was.
    expect(store.records.get(meeting.meetingId)!.keepUntil).toEqual(new Date(new Date('2030-03-01T16:00:00Z').getTime() + DAY));
  });

  it('two moves racing: the record ends with the last one’s end, one subscription at Google', async () => {
    const { provider, subscriptionStore } = await meetConnected();
    const meeting = await provider.createMeeting(booking(1, 'google_meet'));
    await Promise.all([
      provider.moveMeeting(meetMove(meeting.meetingId, new Date('2030-03-05T10:00:00Z'), 60)),
      provider.moveMeeting(meetMove(meeting.meetingId, new Date('2030-03-06T10:00:00Z'), 60)),
    ]);
    expect(subscriptionStore.records.get(meeting.meetingId)!.keepUntil).toEqual(new Date(new Date('2030-03-06T11:00:00Z').getTime() + DAY));
    expect(fakes.google.subscriptions.size).toBe(1);
  });

  it('a move while the booking’s subscription is still being created waits for it: the move’s end wins', async () => {
    const { provider, subscriptionStore } = await meetConnected();
    // The creation's operation is done only after a few polls: the move arrives meanwhile.
    fakes.google.deferOperations(40);
    const creating = provider.createMeeting(booking(1, 'google_meet'));
    await vi.waitFor(() => expect(fakes.google.count('events.createSubscription')).toBe(1));
    const [space] = [...fakes.google.spaces.keys()];
    await provider.moveMeeting(meetMove(space!));
    await creating;
    expect(subscriptionStore.records.get(space!)).toMatchObject({
      subscription: expect.stringMatching(/^subscriptions\//),
      keepUntil: new Date(new Date('2030-03-04T19:00:00Z').getTime() + DAY),
    });
    expect(fakes.google.subscriptions.size).toBe(1);
  });

  it('without eventSubscriptions there is nothing to do: no call to Google', async () => {
    const { provider } = await meetConnected({ events: false });
    const meeting = await provider.createMeeting(booking(1, 'google_meet'));
    const calls = fakes.google.requests.length;
    await expect(provider.moveMeeting(meetMove(meeting.meetingId))).resolves.toBeUndefined();
    expect(fakes.google.requests.length).toBe(calls);
  });

  it('refuses another provider’s input and a meeting id that is not a space', async () => {
    const { provider } = await meetConnected();
    await expect(provider.moveMeeting({ ...meetMove('spaces/abc'), provider: 'zoom' })).rejects.toMatchObject({ code: 'PROVIDER_MISMATCH' });
    await expect(provider.moveMeeting(meetMove('85000000001'))).rejects.toMatchObject({ code: 'PROVIDER_REQUEST_FAILED' });
  });
});

describe('googleMeet(): getMeetingTimes and neverStarted', () => {
  it('no conference record, and the tutor’s account owns the space with no active conference: never started', async () => {
    const { provider } = await meetConnected({ events: false });
    const meeting = await provider.createMeeting(booking(1, 'google_meet'));
    expect(await provider.getMeetingTimes({ tutorId: 'tutor-1', meetingId: meeting.meetingId })).toEqual({ startedAt: null, endedAt: null, neverStarted: true });
    expect(fakes.google.count('meet.conferenceRecords')).toBe(1);
    expect(fakes.google.count('meet.getSpace')).toBe(1);
  });

  it('a conference held or running is never "never started"', async () => {
    const { provider } = await meetConnected({ events: false });
    const meeting = await provider.createMeeting(booking(1, 'google_meet'));
    fakes.google.addConference(meeting.meetingId, { startedAt: new Date('2030-03-01T15:01:00Z') });
    const running = await provider.getMeetingTimes({ tutorId: 'tutor-1', meetingId: meeting.meetingId });
    expect(running).toEqual({ startedAt: new Date('2030-03-01T15:01:00Z'), endedAt: null });
    expect(running).not.toHaveProperty('neverStarted');
    expect(fakes.google.count('meet.getSpace')).toBe(0);
  });

  it('a conference that began between the two calls (the space shows it active) is running, not never started', async () => {
    const { provider } = await meetConnected({ events: false });
    const meeting = await provider.createMeeting(booking(1, 'google_meet'));
    fakes.google.addConference(meeting.meetingId, { startedAt: new Date('2030-03-01T15:01:00Z') });
    fakes.google.failNext('meet.conferenceRecords', { status: 200, body: {} });
    const times = await provider.getMeetingTimes({ tutorId: 'tutor-1', meetingId: meeting.meetingId });
    expect(times).toEqual({ startedAt: null, endedAt: null });
    expect(times).not.toHaveProperty('neverStarted');
  });

  it('404 for the records, a space Google does not know, or one another account owns: null', async () => {
    const { provider } = await meetConnected({ events: false });
    const meeting = await provider.createMeeting(booking(1, 'google_meet'));
    const read = (meetingId = meeting.meetingId) => provider.getMeetingTimes({ tutorId: 'tutor-1', meetingId });
    fakes.google.failNext('meet.conferenceRecords', { status: 404, body: { error: { code: 404, message: 'Not found.', status: 'NOT_FOUND' } } });
    expect(await read()).toBeNull();
    expect(await read('spaces/doesNotExist42')).toBeNull();
    expect(fakes.google.requests.filter((r) => r.route === 'meet.getSpace').map((r) => r.status)).toEqual([404]);
    // The tutor reconnected with another Google account: it sees no records of the space, and does not own it.
    await provider.tokens.saveTokens('tutor-1', fakes.google.issueTokens('google-user-2'));
    expect(await read()).toBeNull();
    expect(fakes.google.requests.filter((r) => r.route === 'meet.getSpace').map((r) => r.status)).toEqual([404, 200]);
  });

  it('Google failing on the space lookup is an error, not a guess; the lookup’s signal stops a hang', async () => {
    const { provider } = await meetConnected({ events: false });
    const meeting = await provider.createMeeting(booking(1, 'google_meet'));
    fakes.google.failNext('meet.getSpace', { status: 503 });
    await expect(provider.getMeetingTimes({ tutorId: 'tutor-1', meetingId: meeting.meetingId })).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE', details: { httpStatus: 503 } });
    fakes.google.failNext('meet.conferenceRecords', { delayMs: 5_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await expect(provider.getMeetingTimes({ tutorId: 'tutor-1', meetingId: meeting.meetingId, signal: controller.signal })).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});

describe('videoProviders(): moveMeeting and neverStarted pass through', () => {
  it('sends each move to the provider that made the meeting, with its signal', async () => {
    const env = setup();
    const zoomProvider = zoom({ ...credentials, ...env });
    const subscriptionStore = createMemoryMeetSubscriptionStore();
    const meetProvider = googleMeet({ ...credentials, ...env, eventSubscriptions: { pubsubTopic: TOPIC, store: subscriptionStore, operationPollMs: 5 } });
    await zoomProvider.tokens.saveTokens('tutor-1', fakes.zoom.issueTokens('zoom-user-1'));
    await meetProvider.tokens.saveTokens('tutor-2', fakes.google.issueTokens('google-user-1'));
    const router = videoProviders({ zoom: zoomProvider, google_meet: meetProvider });
    const onZoom = await router.createMeeting(booking(1, 'zoom'));
    const onMeet = await router.createMeeting(booking(2, 'google_meet', 'tutor-2'));

    await router.moveMeeting!(zoomMove(onZoom.meetingId));
    expect(fakes.zoom.meetings.get(Number(onZoom.meetingId))!.start_time).toBe('2030-03-04T17:30:00Z');
    await router.moveMeeting!({ ...meetMove(onMeet.meetingId), tutorId: 'tutor-2' });
    expect(subscriptionStore.records.get(onMeet.meetingId)!.keepUntil).toEqual(new Date(new Date('2030-03-04T19:00:00Z').getTime() + DAY));

    // The signal reaches the provider's call.
    fakes.zoom.failNext('zoom.updateMeeting', { delayMs: 5_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(router.moveMeeting!(zoomMove(onZoom.meetingId, { signal: controller.signal }))).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });

    expect(await router.getMeetingTimes!({ provider: 'google_meet', tutorId: 'tutor-2', meetingId: onMeet.meetingId })).toEqual({ startedAt: null, endedAt: null, neverStarted: true });
    expect(await router.getMeetingTimes!({ provider: 'zoom', tutorId: 'tutor-1', meetingId: onZoom.meetingId })).toEqual({ startedAt: null, endedAt: null, neverStarted: true });
  });

  it('a provider that is not configured refuses the move with PROVIDER_NOT_CONNECTED, never another provider', async () => {
    const env = setup();
    const meet = googleMeet({ ...credentials, ...env });
    const router = videoProviders({ google_meet: meet });
    await expect(router.moveMeeting!(zoomMove('85000000001'))).rejects.toMatchObject({ code: 'PROVIDER_NOT_CONNECTED', details: { provider: 'zoom', reason: 'NOT_CONNECTED' } });
    expect(fakes.zoom.requests).toEqual([]);
    expect(fakes.google.requests).toEqual([]);
  });

  it('a configured provider without moveMeeting has nothing to move; errors of one that has it come through', async () => {
    const deleteMeeting = vi.fn(async () => undefined);
    const custom: VideoProvider = { createMeeting: async () => ({ meetingId: 'm-1', joinUrl: 'https://video.example/m-1' }), deleteMeeting };
    await expect(videoProviders({ zoom: custom }).moveMeeting!(zoomMove('m-1'))).resolves.toBeUndefined();
    expect(deleteMeeting).not.toHaveBeenCalled();

    const failing: VideoProvider = { ...custom, moveMeeting: async () => Promise.reject(new Error('boom')) };
    await expect(videoProviders({ zoom: failing }).moveMeeting!(zoomMove('m-1'))).rejects.toThrow('boom');
  });
});
