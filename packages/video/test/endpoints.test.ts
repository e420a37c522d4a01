import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessionsCore } from '@itutor/sessions-core';
import { createInMemoryAdapter, createManualClock, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import {
  createGoogleOAuthClient,
  createInMemoryOAuthStateStore,
  createKeyRing,
  createMeetSubscriptionClient,
  createZoomOAuthClient,
  GOOGLE_ENDPOINTS,
  googleMeet,
  renewMeetSubscriptions,
  tokenStoreFromConnections,
  videoProviders,
  zoom,
  ZOOM_ENDPOINTS,
  type ConnectedVideoProvider,
  type GoogleEndpoints,
  type ZoomEndpoints,
} from '../src/index';
import { createGoogleFake, createMemoryMeetSubscriptionStore, createZoomFake, type GoogleFake, type ZoomFake } from '../src/testing/index';
import { credentials, KEY_A, mountVideoConnect, setup } from './support';

/** Zoom for Government (Zoom's documented ZfG hosts), with a trailing slash on the API base to prove it is trimmed. */
const ZOOM_GOV: ZoomEndpoints = {
  api: 'https://api.zoomgov.com/v2/',
  authorization: 'https://zoomgov.com/oauth/authorize',
  token: 'https://zoomgov.com/oauth/token',
};
/** Google's endpoints on local fakes (plain http is allowed on loopback hosts only). */
const GOOGLE_LOCAL: GoogleEndpoints = {
  meetApi: 'http://localhost:4010/meet/v2',
  workspaceEventsApi: 'http://127.0.0.1:4011/events/v1',
  authorization: 'http://localhost:4012/o/oauth2/v2/auth',
  token: 'http://localhost:4012/token',
};

const ORIGIN = 'https://tutor.example';
const SECRET = 'a-cookie-secret-of-at-least-32-characters!';
const redirect = (provider: string) => `${ORIGIN}/api/providers/${provider}/callback`;

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

/** A host: the core over the in-memory adapter, the provider, and the connect routes on the provider's own OAuth client. */
function host(name: 'zoom' | 'google_meet', provider: (env: ReturnType<typeof shared>) => ConnectedVideoProvider) {
  const clock = createManualClock(new Date('2030-03-01T12:00:00.000Z'));
  const adapter = createInMemoryAdapter({ clock });
  const env = shared(adapter);
  const video = provider(env);
  const core = createSessionsCore({ adapter, videoProvider: videoProviders({ [name]: video }), paymentGateway: createRecordingPaymentGateway(), clock });
  const errors: unknown[] = [];
  const handle = mountVideoConnect({
    core,
    authenticate: () => ({ userId: 'tutor-1' }),
    cookieSecret: SECRET,
    returnTo: `${ORIGIN}/settings`,
    stateStore: createInMemoryOAuthStateStore(),
    clock,
    onError: (e) => errors.push(e),
    providers: { [name]: { oauth: video.oauth, tokens: video.tokens } },
  });
  return { core, video, handle, errors, adapter };
}
function shared(adapter: ReturnType<typeof createInMemoryAdapter>) {
  return { store: tokenStoreFromConnections(adapter.connections), keyRing: createKeyRing({ currentKeyId: 'k1', keys: { k1: KEY_A } }), meetings: adapter.meetings };
}

/** The whole OAuth flow through the connect routes: the consent page's URL, then the callback's outcome. */
async function connect(h: ReturnType<typeof host>, name: 'zoom' | 'google_meet') {
  const started = await h.handle(new Request(`${ORIGIN}/api/providers/${name}/connect`));
  const authorizeUrl = new URL(started.headers.get('location')!);
  const cookie = started.headers.get('set-cookie')!.split(';')[0]!;
  const consent = await fetch(authorizeUrl, { redirect: 'manual' });
  const back = await h.handle(new Request(consent.headers.get('location')!, { headers: { cookie } }));
  return { authorizeUrl, outcome: new URL(back.headers.get('location')!).searchParams.get('video') };
}

const booking = { bookingId: 'b1', tutorId: 'tutor-1', studentId: 's1', scheduledStartAt: new Date('2030-03-02T10:00:00.000Z'), durationMinutes: 60, priceMinor: 15_000 };

describe('configurable provider endpoints', () => {
  it('Zoom for Government: consent, code exchange, create, past meeting, refresh and delete all go to zoomgov.com; nothing to zoom.us', async () => {
    // The fake at zoomgov.com, and a tripwire at zoom.us that must get no request.
    const gov: ZoomFake = createZoomFake({ endpoints: ZOOM_GOV });
    const publicZoom = createZoomFake();
    server.resetHandlers(...gov.handlers, ...publicZoom.handlers);
    const h = host('zoom', (env) => zoom({ ...credentials, redirectUri: redirect('zoom'), ...env, endpoints: ZOOM_GOV }));
    expect(h.video.oauth.endpoints).toEqual({ authorization: 'https://zoomgov.com/oauth/authorize', token: 'https://zoomgov.com/oauth/token' });

    const { authorizeUrl, outcome } = await connect(h, 'zoom');
    expect(authorizeUrl.origin + authorizeUrl.pathname).toBe('https://zoomgov.com/oauth/authorize');
    expect(outcome).toBe('connected');
    expect(h.errors).toEqual([]);

    const { session } = await h.core.sessions.create(booking);
    expect(gov.meetings.get(Number(session.meetingId))).toBeDefined();
    gov.endMeeting(session.meetingId!, { startedAt: new Date('2030-03-02T10:00:00Z'), endedAt: new Date('2030-03-02T11:00:00Z') });
    expect(await h.video.getMeetingTimes({ tutorId: 'tutor-1', meetingId: session.meetingId! })).toEqual({
      startedAt: new Date('2030-03-02T10:00:00Z'),
      endedAt: new Date('2030-03-02T11:00:00Z'),
    });
    // A reschedule moves the meeting at the configured API too.
    await h.video.moveMeeting({ provider: 'zoom', tutorId: 'tutor-1', meetingId: session.meetingId!, startAt: new Date('2030-03-03T10:00:00Z'), durationMinutes: 60 });
    expect(gov.meetings.get(Number(session.meetingId))!.start_time).toBe('2030-03-03T10:00:00Z');
    // Zoom refuses the access token (401): one refresh at the configured token endpoint, then the call again.
    gov.expireAccessTokens();
    await h.video.deleteMeeting({ provider: 'zoom', tutorId: 'tutor-1', meetingId: session.meetingId! });
    expect(gov.meetings.size).toBe(0);

    expect({
      authorize: gov.count('authorize'),
      token: gov.count('token'),
      create: gov.count('zoom.createMeeting'),
      past: gov.count('zoom.pastMeeting'),
      move: gov.count('zoom.updateMeeting'),
      delete: gov.count('zoom.deleteMeeting'),
    }).toEqual({ authorize: 1, token: 2, create: 1, past: 1, move: 1, delete: 2 });
    expect(publicZoom.requests).toEqual([]);
  });

  it('Google at other hosts: consent, exchange, spaces, conference records, Workspace Events subscriptions (create, renew, delete) and refresh all go there', async () => {
    const local: GoogleFake = createGoogleFake({ endpoints: GOOGLE_LOCAL });
    const publicGoogle = createGoogleFake();
    server.resetHandlers(...local.handlers, ...publicGoogle.handlers);
    const subscriptions = createMemoryMeetSubscriptionStore();
    const h = host('google_meet', (env) =>
      googleMeet({
        ...credentials,
        redirectUri: redirect('google_meet'),
        ...env,
        endpoints: GOOGLE_LOCAL,
        eventSubscriptions: { pubsubTopic: 'projects/p/topics/meet', store: subscriptions, operationPollMs: 5 },
      }),
    );
    const meet = h.video as ReturnType<typeof googleMeet>;

    const { authorizeUrl, outcome } = await connect(h, 'google_meet');
    expect(authorizeUrl.origin + authorizeUrl.pathname).toBe('http://localhost:4012/o/oauth2/v2/auth');
    expect(outcome).toBe('connected');

    const { session } = await h.core.sessions.create(booking);
    const space = local.spaces.get(session.meetingId!)!;
    expect(space).toBeDefined();
    expect(local.subscriptions.size).toBe(1);
    local.addConference(space.name, { startedAt: new Date('2030-03-02T10:00:00Z'), endedAt: new Date('2030-03-02T11:00:00Z') });
    expect(await meet.getMeetingTimes({ tutorId: 'tutor-1', meetingId: space.name })).toMatchObject({ endedAt: new Date('2030-03-02T11:00:00Z') });
    local.expireAccessTokens();
    const report = await renewMeetSubscriptions({ client: meet.eventSubscriptions!, store: subscriptions, now: new Date(Date.now() + 7 * 24 * 3600_000 - 3600_000) });
    expect(report).toMatchObject({ renewed: 1, failed: 0 });
    await meet.deleteMeeting({ provider: 'google_meet', tutorId: 'tutor-1', meetingId: space.name });
    expect(space.accessType).toBe('RESTRICTED');
    expect(local.subscriptions.size).toBe(0);

    const counts = Object.fromEntries(
      (['authorize', 'token', 'meet.createSpace', 'meet.conferenceRecords', 'meet.patchSpace', 'events.createSubscription', 'events.patchSubscription', 'events.deleteSubscription'] as const).map((r) => [r, local.count(r)]),
    );
    expect(counts).toEqual({
      authorize: 1,
      token: 2, // the exchange and the refresh after the expired token
      'meet.createSpace': 1,
      'meet.conferenceRecords': 1,
      'meet.patchSpace': 1,
      'events.createSubscription': 1,
      'events.patchSubscription': 2, // refused once with the expired token, then renewed
      'events.deleteSubscription': 1,
    });
    expect(publicGoogle.requests).toEqual([]);
  });

  it('a standalone Workspace Events client follows endpoints.workspaceEventsApi', async () => {
    const local = createGoogleFake({ endpoints: GOOGLE_LOCAL });
    const publicGoogle = createGoogleFake();
    server.resetHandlers(...local.handlers, ...publicGoogle.handlers);
    const env = setup();
    const provider = googleMeet({ ...credentials, ...env, endpoints: GOOGLE_LOCAL });
    await provider.tokens.saveTokens('tutor-1', local.issueTokens('google-user-1'));
    const client = createMeetSubscriptionClient({ tokens: provider.tokens, pubsubTopic: 'projects/p/topics/meet', endpoints: { workspaceEventsApi: GOOGLE_LOCAL.workspaceEventsApi! } });
    expect(await client.find({ tutorId: 'tutor-1', space: 'spaces/none' })).toBeNull();
    expect(local.count('events.listSubscriptions')).toBe(1);
    expect(publicGoogle.requests).toEqual([]);
  });

  it('defaults are the public endpoints (arctic’s Zoom / Google ones)', () => {
    expect(ZOOM_ENDPOINTS).toEqual({ api: 'https://api.zoom.us/v2', authorization: 'https://zoom.us/oauth/authorize', token: 'https://zoom.us/oauth/token' });
    expect(GOOGLE_ENDPOINTS).toEqual({
      meetApi: 'https://meet.googleapis.com/v2',
      workspaceEventsApi: 'https://workspaceevents.googleapis.com/v1',
      authorization: 'https://accounts.google.com/o/oauth2/v2/auth',
      token: 'https://oauth2.googleapis.com/token',
    });
    expect(Object.isFrozen(ZOOM_ENDPOINTS) && Object.isFrozen(GOOGLE_ENDPOINTS)).toBe(true);
    expect(zoom({ ...credentials, ...setup() }).oauth.endpoints).toEqual({ authorization: ZOOM_ENDPOINTS.authorization, token: ZOOM_ENDPOINTS.token });
    expect(googleMeet({ ...credentials, ...setup() }).oauth.endpoints).toEqual({ authorization: GOOGLE_ENDPOINTS.authorization, token: GOOGLE_ENDPOINTS.token });
    const url = createZoomOAuthClient(credentials).createAuthorizationURL('state-1', 'v'.repeat(43), []);
    expect(url.origin + url.pathname).toBe('https://zoom.us/oauth/authorize');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ state: 'state-1', code_challenge_method: 'S256', client_id: credentials.clientId, redirect_uri: credentials.redirectUri });
  });

  describe('endpoints are checked at creation: INVALID_INPUT naming the field', () => {
    const bad: Array<[string, unknown]> = [
      ['plain http to a public host', 'http://api.zoom.us/v2'],
      ['http to a host that only starts like localhost', 'http://localhost.evil.example/v2'],
      ['another scheme', 'ftp://api.zoom.us/v2'],
      ['a relative path', '/v2'],
      ['no scheme', 'api.zoom.us/v2'],
      ['credentials in the URL', 'https://user:secret@api.zoom.us/v2'],
      ['a query', 'https://api.zoom.us/v2?x=1'],
      ['a fragment', 'https://api.zoom.us/v2#x'],
      ['an empty query mark', 'https://api.zoom.us/v2?'],
      ['surrounding whitespace', ' https://api.zoom.us/v2'],
      ['empty', ''],
      ['not a string', 42],
    ];
    for (const [what, value] of bad) {
      it(what, () => {
        const env = setup();
        const refused = (fn: () => unknown, path: string) =>
          expect(fn, `${path}: ${String(value)}`).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', details: { issues: [expect.objectContaining({ path })] } }));
        refused(() => zoom({ ...credentials, ...env, endpoints: { api: value as string } }), 'endpoints.api');
        refused(() => zoom({ ...credentials, ...env, endpoints: { token: value as string } }), 'endpoints.token');
        refused(() => createZoomOAuthClient({ ...credentials, endpoints: { authorization: value as string } }), 'endpoints.authorization');
        refused(() => googleMeet({ ...credentials, ...env, endpoints: { meetApi: value as string } }), 'endpoints.meetApi');
        refused(() => googleMeet({ ...credentials, ...env, endpoints: { workspaceEventsApi: value as string } }), 'endpoints.workspaceEventsApi');
        refused(() => createGoogleOAuthClient({ ...credentials, endpoints: { token: value as string } }), 'endpoints.token');
        refused(() => createZoomFake({ endpoints: { api: value as string } }), 'endpoints.api');
      });
    }

    it('accepts https anywhere and http on loopback hosts', () => {
      const env = setup();
      for (const api of ['https://api.zoomgov.com/v2', 'http://localhost:8080/zoom/v2', 'http://127.0.0.1:9/v2', 'http://[::1]:8/v2', 'https://api.zoomgov.com/v2/']) {
        expect(() => zoom({ ...credentials, ...env, endpoints: { api } })).not.toThrow();
      }
    });
  });
});
