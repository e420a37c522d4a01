import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createMeetSubscriptionClient,
  googleMeet,
  MEET_SUBSCRIPTION_EVENT_TYPES,
  meetSpaceFromSubscriptions,
  renewMeetSubscriptions,
  type MeetEventSubscriptionsOptions,
  type ProviderMeetingEvent,
} from '../src/index';
import { createGooglePushFake, createMemoryMeetSubscriptionStore, type GooglePushFake, type MemoryMeetSubscriptionStore } from '../src/testing/index';
import { booking, credentials, fakes, mountMeetEvents, setup, useProviderFakes } from './support';

const server = useProviderFakes();

const TOPIC = 'projects/itutor-test/topics/meet-events';
const DAY = 24 * 3600_000;
/** The booking's scheduled end (support's booking: 2030-03-01 15:00 for 60 minutes). */
const ENDS_AT = new Date('2030-03-01T16:00:00.000Z');

async function connected(opts: { subscriptions?: Partial<MeetEventSubscriptionsOptions>; store?: MemoryMeetSubscriptionStore } = {}) {
  const env = setup();
  const subscriptionStore = opts.store ?? createMemoryMeetSubscriptionStore();
  const provider = googleMeet({
    ...credentials,
    ...env,
    eventSubscriptions: { pubsubTopic: TOPIC, store: subscriptionStore, operationPollMs: 5, ...opts.subscriptions },
  });
  const seeded = fakes.google.issueTokens('google-user-1');
  await provider.tokens.saveTokens('tutor-1', seeded);
  return { ...env, provider, client: provider.eventSubscriptions!, subscriptionStore, seeded };
}

/** A "now" at which every subscription the fake made just now expires within the job's window. */
const nearExpiry = () => new Date(Date.now() + 7 * DAY - 3600_000);

describe('googleMeet({ eventSubscriptions }): one subscription per created space', () => {
  it('subscribes the new space to the four Meet events on the configured topic, and stores it', async () => {
    const { provider, subscriptionStore } = await connected();
    const meeting = await provider.createMeeting(booking(1, 'google_meet'));
    expect(fakes.google.subscriptions.size).toBe(1);
    const [subscription] = [...fakes.google.subscriptions.values()];
    expect(subscription).toMatchObject({
      targetResource: `//meet.googleapis.com/${meeting.meetingId}`,
      eventTypes: [...MEET_SUBSCRIPTION_EVENT_TYPES],
      pubsubTopic: TOPIC,
      includeResource: false,
      state: 'ACTIVE',
    });
    expect(MEET_SUBSCRIPTION_EVENT_TYPES).toEqual([
      'google.workspace.meet.conference.v2.started',
      'google.workspace.meet.conference.v2.ended',
      'google.workspace.meet.participant.v2.joined',
      'google.workspace.meet.participant.v2.left',
    ]);
    const record = subscriptionStore.records.get(meeting.meetingId)!;
    expect(record).toEqual({
      space: meeting.meetingId,
      tutorId: 'tutor-1',
      subscription: subscription!.name,
      expireTime: new Date(subscription!.expireTime),
      keepUntil: new Date(ENDS_AT.getTime() + DAY),
    });
    // ttl 0 → the longest Google grants (7 days for a Meet space).
    expect(record.expireTime.getTime() - Date.now()).toBeGreaterThan(7 * DAY - 60_000);
  });

  it('without eventSubscriptions nothing is subscribed', async () => {
    const env = setup();
    const provider = googleMeet({ ...credentials, ...env });
    await provider.tokens.saveTokens('tutor-1', fakes.google.issueTokens('google-user-1'));
    await provider.createMeeting(booking(1, 'google_meet'));
    expect(provider.eventSubscriptions).toBeNull();
    expect(fakes.google.count('events.createSubscription')).toBe(0);
  });

  it('a retried or concurrent booking creates no second subscription', async () => {
    const { provider, subscriptionStore } = await connected();
    const all = await Promise.all(Array.from({ length: 5 }, () => provider.createMeeting(booking(7, 'google_meet'))));
    await provider.createMeeting(booking(7, 'google_meet'));
    expect(new Set(all.map((m) => m.meetingId)).size).toBe(1);
    expect(fakes.google.count('events.createSubscription')).toBe(1);
    expect(fakes.google.subscriptions.size).toBe(1);
    expect(subscriptionStore.records.size).toBe(1);
  });

  it('409 ALREADY_EXISTS (a subscription whose answer was lost) is success: the existing one is looked up', async () => {
    const { provider, client, subscriptionStore } = await connected();
    const meeting = await provider.createMeeting(booking(1, 'google_meet'));
    const first = subscriptionStore.records.get(meeting.meetingId)!.subscription;
    // The store loses it (e.g. the write after Google's answer failed): the retry meets Google's 409.
    await subscriptionStore.remove(meeting.meetingId);

    await provider.createMeeting(booking(1, 'google_meet'));
    expect(fakes.google.requests.filter((r) => r.route === 'events.createSubscription').map((r) => r.status)).toEqual([200, 409]);
    expect(fakes.google.count('events.listSubscriptions')).toBe(1);
    expect(subscriptionStore.records.get(meeting.meetingId)!.subscription).toBe(first);
    expect(fakes.google.subscriptions.size).toBe(1);

    // The client on its own answers the same.
    await expect(client.create({ tutorId: 'tutor-1', space: meeting.meetingId })).resolves.toMatchObject({ name: first, space: meeting.meetingId, state: 'ACTIVE' });
  });

  it('an operation that is not done yet is polled until it is', async () => {
    const { provider, subscriptionStore } = await connected();
    fakes.google.deferOperations(2);
    const meeting = await provider.createMeeting(booking(1, 'google_meet'));
    expect(fakes.google.count('events.getOperation')).toBe(2);
    expect(subscriptionStore.records.get(meeting.meetingId)!.subscription).toMatch(/^subscriptions\//);
  });

  it('an operation still running past operationTimeoutMs fails; the next attempt finds the subscription via 409', async () => {
    const { client, provider } = await connected({ subscriptions: { operationTimeoutMs: 30 } });
    fakes.google.deferOperations(1000);
    const env = setup();
    const bare = googleMeet({ ...credentials, ...env });
    await bare.tokens.saveTokens('tutor-1', fakes.google.issueTokens('google-user-1'));
    const meeting = await bare.createMeeting(booking(1, 'google_meet'));
    await expect(client.create({ tutorId: 'tutor-1', space: meeting.meetingId })).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    await expect(client.create({ tutorId: 'tutor-1', space: meeting.meetingId })).resolves.toMatchObject({ space: meeting.meetingId });
    expect(fakes.google.subscriptions.size).toBe(1);
    expect(provider.eventSubscriptions).toBe(client);
  });

  it('a failed subscription does not fail the booking: stored without one, the job creates it', async () => {
    const onError = vi.fn();
    const { provider, client, subscriptionStore } = await connected({ subscriptions: { onError } });
    fakes.google.failNext('events.createSubscription', { status: 503 });
    const meeting = await provider.createMeeting(booking(1, 'google_meet'));
    expect(meeting.meetingId).toMatch(/^spaces\//);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'PROVIDER_UNAVAILABLE', details: expect.objectContaining({ httpStatus: 503 }) }), { space: meeting.meetingId, tutorId: 'tutor-1' });
    expect(subscriptionStore.records.get(meeting.meetingId)).toMatchObject({ subscription: null });

    const report = await renewMeetSubscriptions({ client, store: subscriptionStore });
    expect(report).toMatchObject({ examined: 1, recreated: 1, failed: 0 });
    expect(subscriptionStore.records.get(meeting.meetingId)!.subscription).toBe([...fakes.google.subscriptions.keys()][0]);
  });

  it('a store that fails does not fail the booking either', async () => {
    const onError = vi.fn();
    const store = createMemoryMeetSubscriptionStore();
    const { provider } = await connected({ store: { ...store, findBySpace: () => Promise.reject(new Error('database down')) }, subscriptions: { onError } });
    await expect(provider.createMeeting(booking(1, 'google_meet'))).resolves.toMatchObject({ meetingId: expect.stringMatching(/^spaces\//) });
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'database down' }), expect.objectContaining({ tutorId: 'tutor-1' }));
  });

  it('a booking retried after a failed subscription subscribes then', async () => {
    const { provider, subscriptionStore } = await connected();
    fakes.google.failNext('events.createSubscription', { status: 500 });
    const meeting = await provider.createMeeting(booking(1, 'google_meet'));
    expect(subscriptionStore.records.get(meeting.meetingId)!.subscription).toBeNull();
    await provider.createMeeting(booking(1, 'google_meet'));
    expect(subscriptionStore.records.get(meeting.meetingId)!.subscription).toMatch(/^subscriptions\//);
  });

  it('deleteMeeting deletes the space’s subscription and forgets it', async () => {
    const { provider, subscriptionStore } = await connected();
    const meeting = await provider.createMeeting(booking(1, 'google_meet'));
    await provider.deleteMeeting({ provider: 'google_meet', tutorId: 'tutor-1', meetingId: meeting.meetingId });
    expect(fakes.google.subscriptions.size).toBe(0);
    expect(subscriptionStore.records.size).toBe(0);
  });

  it('refuses a pubsubTopic that is not a topic name', () => {
    expect(() => googleMeet({ ...credentials, ...setup(), eventSubscriptions: { pubsubTopic: 'meet-events', store: createMemoryMeetSubscriptionStore() } })).toThrow(/pubsubTopic/);
  });
});

describe('the Workspace Events client', () => {
  it('401 (expired access token) refreshes once through the token manager and retries', async () => {
    const { provider, client, subscriptionStore } = await connected();
    const meeting = await provider.createMeeting(booking(1, 'google_meet'));
    const name = subscriptionStore.records.get(meeting.meetingId)!.subscription!;
    fakes.google.expireAccessTokens();
    const renewed = await client.renew({ tutorId: 'tutor-1', subscription: name });
    expect(renewed).toMatchObject({ name, state: 'ACTIVE' });
    expect(fakes.google.count('token')).toBe(1);
    expect(fakes.google.requests.filter((r) => r.route === 'events.patchSubscription').map((r) => r.status)).toEqual([401, 200]);
  });

  it('429 waits Retry-After and retries; 5xx is PROVIDER_UNAVAILABLE; 404 is null / false', async () => {
    const { provider, client, subscriptionStore } = await connected();
    const meeting = await provider.createMeeting(booking(1, 'google_meet'));
    const name = subscriptionStore.records.get(meeting.meetingId)!.subscription!;
    fakes.google.failNext('events.patchSubscription', { status: 429, retryAfter: 0 });
    await expect(client.renew({ tutorId: 'tutor-1', subscription: name })).resolves.toMatchObject({ name });
    fakes.google.failNext('events.patchSubscription', { status: 429, retryAfter: 60 });
    await expect(client.renew({ tutorId: 'tutor-1', subscription: name })).rejects.toMatchObject({ code: 'PROVIDER_RATE_LIMITED', details: { retryAfterSeconds: 60 } });
    fakes.google.failNext('events.patchSubscription', { status: 502 });
    await expect(client.renew({ tutorId: 'tutor-1', subscription: name })).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE', details: expect.objectContaining({ httpStatus: 502 }) });
    await expect(client.renew({ tutorId: 'tutor-1', subscription: 'subscriptions/unknown' })).resolves.toBeNull();
    await expect(client.delete({ tutorId: 'tutor-1', subscription: name })).resolves.toBe(true);
    await expect(client.delete({ tutorId: 'tutor-1', subscription: name })).resolves.toBe(false);
    await expect(client.find({ tutorId: 'tutor-1', space: meeting.meetingId })).resolves.toBeNull();
  });

  it('a subscription request refused for good is REQUEST_FAILED (no retry)', async () => {
    const { client } = await connected();
    await expect(client.create({ tutorId: 'tutor-1', space: 'spaces/notMine' })).rejects.toMatchObject({ code: 'PROVIDER_REQUEST_FAILED', details: { httpStatus: 403 } });
    expect(fakes.google.count('events.createSubscription')).toBe(1);
  });

  it('works standalone on any token manager (createMeetSubscriptionClient)', async () => {
    const { provider } = await connected();
    const meeting = await provider.createMeeting(booking(1, 'google_meet'));
    const standalone = createMeetSubscriptionClient({ tokens: provider.tokens, pubsubTopic: TOPIC, ttlSeconds: 3600 });
    const found = await standalone.find({ tutorId: 'tutor-1', space: meeting.meetingId });
    const renewed = await standalone.renew({ tutorId: 'tutor-1', subscription: found!.name });
    expect(renewed!.expireTime.getTime() - Date.now()).toBeLessThanOrEqual(3600_000);
    expect(renewed!.expireTime.getTime() - Date.now()).toBeGreaterThan(3500_000);
  });
});

describe('renewMeetSubscriptions', () => {
  async function withMeetings(n: number) {
    const env = await connected();
    const meetings = [];
    for (let i = 0; i < n; i++) meetings.push(await env.provider.createMeeting(booking(i, 'google_meet')));
    return { ...env, meetings };
  }
  const renewals = () => [...fakes.google.subscriptions.values()].map((s) => s.renewals);

  it('renews the subscriptions that expire soon, not the others', async () => {
    const { client, subscriptionStore } = await withMeetings(2);
    const notDue = await renewMeetSubscriptions({ client, store: subscriptionStore, now: new Date(), renewBeforeMinutes: 720 });
    expect(notDue).toEqual({ examined: 0, renewed: 0, reactivated: 0, recreated: 0, dropped: 0, failed: 0, deferred: 0, timedOut: false, failures: [] });
    expect(renewals()).toEqual([0, 0]);

    const before = [...subscriptionStore.records.values()].map((r) => r.expireTime.getTime());
    await new Promise((r) => setTimeout(r, 5));
    const due = await renewMeetSubscriptions({ client, store: subscriptionStore, now: nearExpiry(), renewBeforeMinutes: 720 });
    expect(due).toMatchObject({ examined: 2, renewed: 2, failed: 0 });
    expect(renewals()).toEqual([1, 1]);
    const after = [...subscriptionStore.records.values()].map((r) => r.expireTime.getTime());
    after.forEach((t, i) => expect(t).toBeGreaterThan(before[i]!));
  });

  it('does at most `limit` per call, soonest expiry first', async () => {
    const { client, subscriptionStore } = await withMeetings(3);
    const first = await renewMeetSubscriptions({ client, store: subscriptionStore, now: nearExpiry(), limit: 2 });
    expect(first).toMatchObject({ examined: 2, renewed: 2 });
    expect(renewals()).toEqual([1, 1, 0]);
  });

  it('stops within its time budget and leaves the rest for the next call', async () => {
    const { client, subscriptionStore } = await withMeetings(3);
    fakes.google.failNext('events.patchSubscription', { delayMs: 400 });
    const started = Date.now();
    const report = await renewMeetSubscriptions({ client, store: subscriptionStore, now: nearExpiry(), timeoutMs: 150 });
    expect(Date.now() - started).toBeLessThan(400);
    expect(report).toMatchObject({ examined: 3, renewed: 0, failed: 1, deferred: 2, timedOut: true });
    expect(report.failures[0]).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    await new Promise((r) => setTimeout(r, 400));
    const next = await renewMeetSubscriptions({ client, store: subscriptionStore, now: nearExpiry() });
    expect(next).toMatchObject({ examined: 3, renewed: 3 });
  });

  it('one failure does not stop the others', async () => {
    const onError = vi.fn();
    const { client, subscriptionStore } = await withMeetings(3);
    fakes.google.failNext('events.patchSubscription', { status: 503 });
    const report = await renewMeetSubscriptions({ client, store: subscriptionStore, now: nearExpiry(), onError });
    expect(report).toMatchObject({ examined: 3, renewed: 2, failed: 1 });
    expect(report.failures).toEqual([expect.objectContaining({ code: 'PROVIDER_UNAVAILABLE', subscription: expect.stringMatching(/^subscriptions\//) })]);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(report)).not.toMatch(/google_at_|google_rt_/);
  });

  it('a subscription Google no longer has (404) is created anew while the meeting is ahead', async () => {
    const { client, subscriptionStore, meetings } = await withMeetings(1);
    const old = subscriptionStore.records.get(meetings[0]!.meetingId)!.subscription!;
    fakes.google.expireSubscription(old);
    const report = await renewMeetSubscriptions({ client, store: subscriptionStore, now: nearExpiry() });
    expect(report).toMatchObject({ examined: 1, recreated: 1, renewed: 0 });
    const fresh = subscriptionStore.records.get(meetings[0]!.meetingId)!.subscription!;
    expect(fresh).not.toBe(old);
    expect([...fakes.google.subscriptions.keys()]).toEqual([fresh]);
  });

  it('drops the record once the meeting is long over, without calling Google', async () => {
    const { client, subscriptionStore } = await withMeetings(1);
    const calls = fakes.google.requests.length;
    const report = await renewMeetSubscriptions({ client, store: subscriptionStore, now: new Date(ENDS_AT.getTime() + 2 * DAY), renewBeforeMinutes: 20 * 365 * 24 * 60 });
    expect(report).toMatchObject({ examined: 1, dropped: 1 });
    expect(subscriptionStore.records.size).toBe(0);
    expect(fakes.google.requests.length).toBe(calls);
  });

  it('a suspended subscription is renewed and reactivated', async () => {
    const { client, subscriptionStore, meetings } = await withMeetings(1);
    const name = subscriptionStore.records.get(meetings[0]!.meetingId)!.subscription!;
    fakes.google.suspendSubscription(name);
    const report = await renewMeetSubscriptions({ client, store: subscriptionStore, now: nearExpiry() });
    expect(report).toMatchObject({ reactivated: 1, failed: 0 });
    expect(fakes.google.subscriptions.get(name)!.state).toBe('ACTIVE');
  });

  it('renews with an expired access token: one refresh for the run', async () => {
    const { client, subscriptionStore } = await withMeetings(3);
    fakes.google.expireAccessTokens();
    const report = await renewMeetSubscriptions({ client, store: subscriptionStore, now: nearExpiry() });
    expect(report).toMatchObject({ renewed: 3, failed: 0 });
    expect(fakes.google.count('token')).toBe(1);
  });

  it('a tutor whose connection is gone fails, the others are renewed', async () => {
    const env = await withMeetings(2);
    await env.subscriptionStore.save({ ...[...env.subscriptionStore.records.values()][0]!, space: 'spaces/otherTutor', tutorId: 'tutor-2' });
    const report = await renewMeetSubscriptions({ client: env.client, store: env.subscriptionStore, now: nearExpiry() });
    expect(report).toMatchObject({ examined: 3, renewed: 2, failed: 1 });
    expect(report.failures[0]).toMatchObject({ space: 'spaces/otherTutor', code: 'PROVIDER_NOT_CONNECTED' });
  });
});

describe('resolveSpace backed by the store (meetSpaceFromSubscriptions)', () => {
  const ROUTE = 'https://tutor.example/api/webhooks/google-meet';
  const JWKS = 'https://keys.itutor.test/oauth2/v3/certs';
  let push: GooglePushFake;
  beforeAll(async () => {
    push = await createGooglePushFake({ jwksUrl: JWKS, audience: ROUTE });
  });
  beforeEach(() => server.use(...push.handlers));

  it('maps the delivering subscription to its space; unknown or missing → null', async () => {
    const store = createMemoryMeetSubscriptionStore();
    await store.save({ space: 'spaces/abc', tutorId: 't', subscription: 'subscriptions/s1', expireTime: new Date(), keepUntil: new Date() });
    const resolve = meetSpaceFromSubscriptions(store);
    const ref = { type: 'google.workspace.meet.conference.v2.started', conferenceRecord: 'conferenceRecords/c1', subject: null };
    await expect(resolve({ ...ref, subscription: 'subscriptions/s1' })).resolves.toBe('spaces/abc');
    await expect(resolve({ ...ref, subscription: 'subscriptions/other' })).resolves.toBeNull();
    await expect(resolve({ ...ref, subscription: null })).resolves.toBeNull();
  });

  it('end to end: an event from the space’s subscription reaches the sink with the space as meetingId', async () => {
    const { provider, subscriptionStore } = await connected();
    const meeting = await provider.createMeeting(booking(1, 'google_meet'));
    const subscription = subscriptionStore.records.get(meeting.meetingId)!.subscription!;
    const events: ProviderMeetingEvent[] = [];
    const handle = mountMeetEvents({
      audience: ROUTE,
      serviceAccountEmail: push.serviceAccountEmail,
      jwksUrl: JWKS,
      onMeetingEvent: async (event) => {
        events.push(event);
      },
      resolveSpace: meetSpaceFromSubscriptions(subscriptionStore),
    });
    const response = await handle(
      await push.request(ROUTE, {
        type: 'google.workspace.meet.conference.v2.started',
        subject: null,
        source: `//workspaceevents.googleapis.com/${subscription}`,
        data: { conferenceRecord: { name: 'conferenceRecords/c-1' } },
      }),
    );
    expect(response.status).toBe(200);
    expect(events).toEqual([expect.objectContaining({ kind: 'meeting.started', meetingId: meeting.meetingId, instanceId: 'conferenceRecords/c-1' })]);
  });
});
