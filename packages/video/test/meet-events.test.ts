import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { meetEventRoutes, type GoogleMeetEventsOptions, type ProviderMeetingEvent } from '../src/index';
import { createGooglePushFake, type GooglePushFake } from '../src/testing/index';
import { mountMeetEvents } from './support';

const ROUTE = 'https://tutor.example/api/webhooks/google-meet';
const JWKS = 'https://keys.itutor.test/oauth2/v3/certs';
const NOW = new Date('2030-03-01T15:10:00.000Z');
const SPACE = 'spaces/jQCFfuBOdN5z';
const RECORD = 'conferenceRecords/c-7a1b2c3d';
const SESSION = `${RECORD}/participants/p-112233/participantSessions/s-445566`;

const TYPES = {
  started: 'google.workspace.meet.conference.v2.started',
  ended: 'google.workspace.meet.conference.v2.ended',
  joined: 'google.workspace.meet.participant.v2.joined',
  left: 'google.workspace.meet.participant.v2.left',
} as const;

// The local key set, served by msw at JWKS (jose's createRemoteJWKSet fetches it like Google's).
const server = setupServer();
let fake: GooglePushFake;
beforeAll(async () => {
  // One key pair for the file: RSA key generation is the slow part.
  fake = await createGooglePushFake({ jwksUrl: JWKS, audience: ROUTE });
  server.listen({ onUnhandledRequest: 'error' });
});
beforeEach(() => server.resetHandlers(...fake.handlers));
afterAll(() => server.close());

function host(over: Partial<GoogleMeetEventsOptions> = {}) {
  const events: ProviderMeetingEvent[] = [];
  const errors: unknown[] = [];
  const ignored: { reason: string; type: string | null }[] = [];
  const handle = mountMeetEvents({
    audience: ROUTE,
    serviceAccountEmail: fake.serviceAccountEmail,
    jwksUrl: JWKS,
    clock: { now: () => NOW },
    onMeetingEvent: async (event) => {
      events.push(event);
    },
    onError: (e) => errors.push(e),
    onIgnored: ({ reason, type }) => ignored.push({ reason, type }),
    ...over,
  });
  return { handle, events, errors, ignored };
}

const subject = `//meet.googleapis.com/${SPACE}`;
const conference = (type: string, extra: Record<string, unknown> = {}) => ({ type, subject, time: new Date('2030-03-01T15:02:03Z'), data: { conferenceRecord: { name: RECORD } }, ...extra });
const session = (type: string, extra: Record<string, unknown> = {}) => ({ type, subject, time: new Date('2030-03-01T15:04:05Z'), data: { participantSession: { name: SESSION } }, ...extra });

describe('meetEventRoutes: the push token', () => {
  it('accepts a token signed by the key set, for the audience, from the service account', async () => {
    const { handle, events } = host();
    const response = await handle(await fake.request(ROUTE, conference(TYPES.started, { messageId: '2070443601311540' }), { at: NOW }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'accepted' });
    expect(events).toHaveLength(1);
    // The bare issuer form Google also uses is accepted.
    const bare = await fake.token({ at: NOW, claims: { iss: 'accounts.google.com' } });
    expect((await handle(await fake.request(ROUTE, conference(TYPES.ended), { token: bare }))).status).toBe(200);
  });

  it.each([
    ['wrong audience', { aud: 'https://evil.example/push' }],
    ['wrong issuer', { iss: 'https://evil.example' }],
    ['wrong e-mail', { email: 'someone@other-project.iam.gserviceaccount.com' }],
    ['unverified e-mail', { email_verified: false }],
    ['no e-mail', { email: undefined }],
    ['expired', { iat: NOW.getTime() / 1000 - 7200, exp: NOW.getTime() / 1000 - 3600 }],
    ['no expiry', { exp: undefined }],
    ['issued in the future', { iat: NOW.getTime() / 1000 + 600, exp: NOW.getTime() / 1000 + 4200 }],
  ])('refuses a token with %s (401, nothing called)', async (_name, claims) => {
    const { handle, events } = host();
    const token = await fake.token({ at: NOW, claims });
    const response = await handle(await fake.request(ROUTE, conference(TYPES.started), { token }));
    expect(response.status).toBe(401);
    expect((await response.json()).code).toBe('UNAUTHENTICATED');
    expect(events).toHaveLength(0);
  });

  it('refuses an unknown key id, a key outside the set, another algorithm, garbage and a missing token', async () => {
    const { handle, events, errors } = host();
    const tokens = [
      await fake.token({ at: NOW, keyId: 'no-such-key' }),
      await fake.token({ at: NOW, unknownKey: true }),
      await new SignJWT({ iss: 'https://accounts.google.com', aud: ROUTE, email: fake.serviceAccountEmail, email_verified: true, iat: NOW.getTime() / 1000, exp: NOW.getTime() / 1000 + 60 })
        .setProtectedHeader({ alg: 'HS256', kid: fake.keyId })
        .sign(new TextEncoder().encode('a-shared-secret-that-is-long-enough!!')),
      'not.a.jwt',
    ];
    for (const token of tokens) expect((await handle(await fake.request(ROUTE, conference(TYPES.started), { token }))).status).toBe(401);
    const missing = await handle(await fake.request(ROUTE, conference(TYPES.started), { token: null }));
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(events).toHaveLength(0);
    expect(errors).toHaveLength(0);
  });

  it('fetches the key set once and reuses it', async () => {
    const { handle } = host();
    const before = fake.jwksFetches();
    for (let i = 0; i < 3; i++) expect((await handle(await fake.request(ROUTE, conference(TYPES.started), { at: NOW }))).status).toBe(200);
    expect(fake.jwksFetches() - before).toBe(1);
  });

  it('answers 500 (Pub/Sub redelivers) when the key set cannot be fetched, and tells onError', async () => {
    server.resetHandlers(http.get(JWKS, () => new HttpResponse(null, { status: 503 })));
    const { handle, events, errors } = host();
    const response = await handle(await fake.request(ROUTE, conference(TYPES.started), { at: NOW }));
    expect(response.status).toBe(500);
    expect(events).toHaveLength(0);
    expect(errors).toHaveLength(1);
  });
});

describe('meetEventRoutes: events', () => {
  it('maps conference started / ended: the space as googleMeet() stores it, the conference record, the messageId', async () => {
    const { handle, events } = host();
    await handle(await fake.request(ROUTE, conference(TYPES.started, { messageId: '1001' }), { at: NOW }));
    await handle(await fake.request(ROUTE, conference(TYPES.ended, { messageId: '1002', time: new Date('2030-03-01T15:44:00Z') }), { at: NOW }));
    expect(events).toEqual([
      { provider: 'google_meet', eventId: '1001', kind: 'meeting.started', meetingId: SPACE, instanceId: RECORD, occurredAt: new Date('2030-03-01T15:02:03Z'), receivedAt: NOW },
      { provider: 'google_meet', eventId: '1002', kind: 'meeting.ended', meetingId: SPACE, instanceId: RECORD, occurredAt: new Date('2030-03-01T15:44:00Z'), receivedAt: NOW },
    ]);
  });

  it('prefers the included resource (space, start / end time) when the subscription includes resources', async () => {
    const { handle, events } = host();
    const data = { conferenceRecord: { name: RECORD, space: 'spaces/other-space', startTime: '2030-03-01T15:00:30.123456Z', endTime: '2030-03-01T15:50:00Z', expireTime: '2030-04-01T00:00:00Z' } };
    await handle(await fake.request(ROUTE, { type: TYPES.ended, data, subject: null }, { at: NOW }));
    expect(events[0]).toMatchObject({ kind: 'meeting.ended', meetingId: 'spaces/other-space', occurredAt: new Date('2030-03-01T15:50:00Z') });
  });

  it('maps participant joined / left with the participant resource as participantId, details from describeParticipant', async () => {
    const { handle, events } = host({
      describeParticipant: ({ participant, meetingId }) =>
        participant === `${RECORD}/participants/p-112233` && meetingId === SPACE ? { email: 'sam@student.example', name: 'Sam Student', providerUserId: 'users/1234567890' } : null,
    });
    await handle(await fake.request(ROUTE, session(TYPES.joined, { messageId: '2001' }), { at: NOW }));
    const endTime = '2030-03-01T15:30:00Z';
    await handle(await fake.request(ROUTE, session(TYPES.left, { messageId: '2002', data: { participantSession: { name: SESSION, startTime: '2030-03-01T15:04:05Z', endTime } } }), { at: NOW }));
    const participant = { email: 'sam@student.example', name: 'Sam Student', providerUserId: 'users/1234567890', participantId: `${RECORD}/participants/p-112233` };
    expect(events).toEqual([
      { provider: 'google_meet', eventId: '2001', kind: 'participant.joined', meetingId: SPACE, instanceId: RECORD, occurredAt: new Date('2030-03-01T15:04:05Z'), receivedAt: NOW, participant },
      { provider: 'google_meet', eventId: '2002', kind: 'participant.left', meetingId: SPACE, instanceId: RECORD, occurredAt: new Date(endTime), receivedAt: NOW, participant },
    ]);
  });

  it('without describeParticipant, a Meet participant has no identity (never the student by itself)', async () => {
    const { handle, events } = host();
    await handle(await fake.request(ROUTE, session(TYPES.joined), { at: NOW }));
    expect(events[0]!.participant).toEqual({ email: null, name: null, providerUserId: null, participantId: `${RECORD}/participants/p-112233` });
  });

  it('asks resolveSpace when neither the payload nor the subject names the space; null → acknowledged, ignored', async () => {
    const seen: unknown[] = [];
    const { handle, events, ignored } = host({
      resolveSpace: (reference) => {
        seen.push(reference);
        return reference.subscription === 'subscriptions/test-subscription' ? SPACE : null;
      },
    });
    await handle(await fake.request(ROUTE, session(TYPES.joined, { subject: null }), { at: NOW }));
    expect(events[0]).toMatchObject({ meetingId: SPACE, kind: 'participant.joined' });
    expect(seen).toEqual([{ type: TYPES.joined, conferenceRecord: RECORD, subscription: 'subscriptions/test-subscription', subject: null }]);

    const unknown = await handle(await fake.request(ROUTE, conference(TYPES.started, { subject: '//meet.googleapis.com/conferenceRecords/c-7a1b2c3d', source: '//workspaceevents.googleapis.com/subscriptions/gone' }), { at: NOW }));
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toEqual({ status: 'ignored', reason: 'unknown_space' });
    expect(ignored).toEqual([{ reason: 'unknown_space', type: TYPES.started }]);
    expect(events).toHaveLength(1);

    const bare = host();
    expect(await (await bare.handle(await fake.request(ROUTE, session(TYPES.left, { subject: null }), { at: NOW }))).json()).toEqual({ status: 'ignored', reason: 'unknown_space' });
  });

  it('keeps the Pub/Sub messageId for a redelivery (the dedupe key)', async () => {
    const { handle, events } = host();
    const event = conference(TYPES.ended, { messageId: '777' });
    await handle(await fake.request(ROUTE, event, { at: NOW }));
    await handle(await fake.request(ROUTE, event, { at: NOW }));
    expect(events.map((e) => e.eventId)).toEqual(['777', '777']);
  });

  it('acknowledges other Workspace events (recordings, subscription lifecycle) without calling the sink', async () => {
    const { handle, events, ignored } = host();
    expect(await (await handle(await fake.request(ROUTE, { type: 'constructor', data: {} }, { at: NOW }))).json()).toEqual({ status: 'ignored', reason: 'unsupported_event' });
    ignored.length = 0;
    for (const type of ['google.workspace.meet.recording.v2.fileGenerated', 'google.workspace.events.subscription.v1.expirationReminder']) {
      const response = await handle(await fake.request(ROUTE, { type, data: { subscription: { name: 'subscriptions/x' } } }, { at: NOW }));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ignored', reason: 'unsupported_event' });
    }
    expect(ignored.map((i) => i.type)).toEqual(['google.workspace.meet.recording.v2.fileGenerated', 'google.workspace.events.subscription.v1.expirationReminder']);
    expect(events).toHaveLength(0);
  });

  it('answers 500 when the sink or a hook throws (Pub/Sub redelivers), and tells onError', async () => {
    const failure = new Error('database down');
    const sinkFails = host({ onMeetingEvent: () => Promise.reject(failure) });
    expect((await sinkFails.handle(await fake.request(ROUTE, conference(TYPES.started), { at: NOW }))).status).toBe(500);
    expect(sinkFails.errors).toEqual([failure]);
    const hookFails = host({ describeParticipant: () => Promise.reject(failure) });
    expect((await hookFails.handle(await fake.request(ROUTE, session(TYPES.joined), { at: NOW }))).status).toBe(500);
    expect(hookFails.events).toHaveLength(0);
  });
});

describe('meetEventRoutes: malformed envelopes', () => {
  const post = async (body: string) =>
    new Request(ROUTE, { method: 'POST', body, headers: { authorization: `Bearer ${await fake.token({ at: NOW })}`, 'content-type': 'application/json' } });

  it('answers 400 to what is not a Pub/Sub push envelope of a Meet event (with a valid token)', async () => {
    const { handle, events } = host();
    const good = fake.envelope(conference(TYPES.started));
    const cases: [string, string][] = [
      ['not JSON', '{"message":'],
      ['no message', JSON.stringify({ subscription: 'projects/p/subscriptions/s' })],
      ['no messageId', JSON.stringify({ message: { ...good.message, messageId: undefined, message_id: undefined } })],
      ['data not base64', JSON.stringify({ message: { ...good.message, data: '%%%not base64%%%' } })],
      ['data not JSON', JSON.stringify({ message: { ...good.message, data: btoa('{"conferenceRecord":') } })],
      ['no conference record', JSON.stringify({ message: { ...good.message, data: btoa('{}') } })],
      ['not a conference record name', JSON.stringify({ message: { ...good.message, data: btoa(JSON.stringify({ conferenceRecord: { name: 'spaces/x' } })) } })],
      ['not a participant session', JSON.stringify(fake.envelope(session(TYPES.joined, { data: { participantSession: { name: 'conferenceRecords/c/participants/p' } } })))],
    ];
    for (const [name, body] of cases) {
      const response = await handle(await post(body));
      expect(response.status, name).toBe(400);
      expect(response.headers.get('content-type'), name).toBe('application/problem+json');
    }
    expect(events).toHaveLength(0);
  });

  it('checks the token before reading the body, refuses oversized bodies (413) and other methods (405)', async () => {
    const { handle } = host({ maxBodyBytes: 2048 });
    expect((await handle(new Request(ROUTE, { method: 'POST', body: '{"message":' }))).status).toBe(401);
    expect((await handle(await post(JSON.stringify({ ...fake.envelope(conference(TYPES.started)), padding: 'x'.repeat(4096) })))).status).toBe(413);
    expect((await handle(new Request(ROUTE, { method: 'PUT', body: '{}' }))).status).toBe(405);
  });

  it('refuses to start without an audience, a service account or a valid key-set URL', () => {
    const base = { audience: ROUTE, serviceAccountEmail: 'a@b.iam.gserviceaccount.com', onMeetingEvent: async () => {} };
    expect(() => meetEventRoutes({ ...base, audience: '' })).toThrow(/audience/);
    expect(() => meetEventRoutes({ ...base, audience: [] })).toThrow(/audience/);
    expect(() => meetEventRoutes({ ...base, serviceAccountEmail: 'nobody' })).toThrow(/serviceAccountEmail/);
    expect(() => meetEventRoutes({ ...base, jwksUrl: 'not a url' })).toThrow(/jwksUrl/);
  });
});
