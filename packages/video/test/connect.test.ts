import { Google, Zoom } from 'arctic';
import { describe, expect, it, vi } from 'vitest';
import { createSessionsCore, type SessionsAdapter } from '@itutor/sessions-core';
import { createSessionsHandler } from '@itutor/sessions-core/http';
import { createInMemoryAdapter, createManualClock, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import {
  createInMemoryOAuthStateStore,
  createKeyRing,
  decryptToken,
  googleMeet,
  tokenStoreFromConnections,
  videoConnectRoutes,
  videoProviders,
  zoom,
  type OAuthStateStore,
  type VideoConnectOptions,
} from '../src/index';
import { fakes, KEY_A, mountVideoConnect, useProviderFakes } from './support';

useProviderFakes();

const ORIGIN = 'https://tutor.example';
const SECRET = 'a-cookie-secret-of-at-least-32-characters!';
const RETURN = `${ORIGIN}/settings/video`;
const client = { id: 'test-client-id', secret: 'test-client-secret' };
const redirect = (provider: string) => `${ORIGIN}/api/providers/${provider}/callback`;

/** A host: the core on the in-memory adapter, Zoom and Meet over the connection rows, the connect routes. */
function host(over: Partial<VideoConnectOptions> = {}) {
  const clock = createManualClock(new Date('2030-03-01T12:00:00.000Z'));
  const adapter = createInMemoryAdapter({ clock });
  const keyRing = createKeyRing({ currentKeyId: 'k1', keys: { k1: KEY_A } });
  const shared = { store: tokenStoreFromConnections(adapter.connections), keyRing, meetings: adapter.meetings };
  const zoomProvider = zoom({ clientId: client.id, clientSecret: client.secret, redirectUri: redirect('zoom'), ...shared });
  const meetProvider = googleMeet({ clientId: client.id, clientSecret: client.secret, redirectUri: redirect('google_meet'), ...shared });
  const core = createSessionsCore({
    adapter,
    videoProvider: videoProviders({ zoom: zoomProvider, google_meet: meetProvider }),
    paymentGateway: createRecordingPaymentGateway(),
    clock,
  });
  const errors: unknown[] = [];
  const handle = mountVideoConnect({
    core,
    // The mount's authenticator (the connect routes take the user from it): the user from a header.
    authenticate: (request) => {
      const user = request.headers.get('x-user');
      return user ? { userId: user } : null;
    },
    cookieSecret: SECRET,
    returnTo: RETURN,
    stateStore: createInMemoryOAuthStateStore(),
    clock,
    onError: (e) => errors.push(e),
    providers: {
      zoom: { oauth: new Zoom(client.id, client.secret, redirect('zoom')), tokens: zoomProvider.tokens },
      google_meet: { oauth: new Google(client.id, client.secret, redirect('google_meet')), tokens: meetProvider.tokens },
    },
    ...over,
  }, { core, onUnexpectedError: (e) => errors.push(e) });
  return { clock, adapter, core, handle, keyRing, errors };
}

const get = (path: string, headers: Record<string, string> = {}) => new Request(`${ORIGIN}${path}`, { headers });

/** The cookie pair (`name=value`) a response sets, and its attributes. */
function setCookie(response: Response) {
  const header = response.headers.get('set-cookie');
  expect(header).not.toBeNull();
  const [pair, ...attributes] = header!.split(';').map((p) => p.trim());
  return { pair: pair!, attributes };
}

/** Starts the flow as `user`: the connect route's redirect, its cookie, and the provider's answer (code + state). */
async function start(h: ReturnType<typeof host>, provider: 'zoom' | 'google_meet', user = 'tutor-1') {
  const response = await h.handle(get(`/api/providers/${provider}/connect`, { 'x-user': user }));
  expect(response.status).toBe(302);
  const authorizeUrl = new URL(response.headers.get('location')!);
  const { pair } = setCookie(response);
  // The browser leg: the provider's consent page answers with the redirect to the callback.
  const consent = await fetch(authorizeUrl, { redirect: 'manual' });
  expect(consent.status).toBe(302);
  const callbackUrl = new URL(consent.headers.get('location')!);
  return { authorizeUrl, cookie: pair, callbackUrl };
}

async function finish(h: ReturnType<typeof host>, callbackUrl: URL, cookie: string, user = 'tutor-1') {
  const response = await h.handle(new Request(callbackUrl, { headers: { cookie, 'x-user': user } }));
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get('location')!);
  return { response, location, outcome: location.searchParams.get('video') };
}

/** Everything storage holds about tutor-1, to prove a refusal changed nothing. */
async function snapshot(adapter: SessionsAdapter & { raw: ReturnType<typeof createInMemoryAdapter>['raw'] }) {
  return JSON.stringify([await adapter.raw.connections('tutor-1'), await adapter.raw.tokens('tutor-1'), await adapter.raw.tutorEvents('tutor-1')]);
}

describe('GET /api/providers/{provider}/connect', () => {
  it('sends the tutor to Zoom with PKCE (S256) and state, in a signed HttpOnly Secure SameSite=Lax cookie of 10 minutes', async () => {
    const h = host();
    const response = await h.handle(get('/api/providers/zoom/connect', { 'x-user': 'tutor-1' }));
    expect(response.status).toBe(302);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const url = new URL(response.headers.get('location')!);
    expect(url.origin + url.pathname).toBe('https://zoom.us/oauth/authorize');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: client.id,
      redirect_uri: redirect('zoom'),
      code_challenge_method: 'S256',
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      state: expect.stringMatching(/^[A-Za-z0-9_-]{20,}$/),
    });
    const { pair, attributes } = setCookie(response);
    expect(pair).toMatch(/^itutor_video_oauth=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(attributes).toEqual(expect.arrayContaining(['Path=/api/providers', 'Max-Age=600', 'HttpOnly', 'SameSite=Lax', 'Secure']));
    // Two attempts never share a state or a verifier.
    const again = new URL((await h.handle(get('/api/providers/zoom/connect', { 'x-user': 'tutor-1' }))).headers.get('location')!);
    expect(again.searchParams.get('state')).not.toBe(url.searchParams.get('state'));
    expect(again.searchParams.get('code_challenge')).not.toBe(url.searchParams.get('code_challenge'));
  });

  it('asks Google for the Meet scope and a refresh token (offline, consent)', async () => {
    const h = host();
    const url = new URL((await h.handle(get('/api/providers/google_meet/connect', { 'x-user': 'tutor-1' }))).headers.get('location')!);
    expect(url.origin).toBe('https://accounts.google.com');
    expect(url.searchParams.get('scope')).toContain('https://www.googleapis.com/auth/meetings.space.created');
    expect(url.searchParams.get('access_type')).toBe('offline');
    expect(url.searchParams.get('prompt')).toBe('consent');
  });

  it('returns a signed-out visitor, or one canConnect refuses, without a cookie', async () => {
    const h = host({ canConnect: (id) => id.startsWith('tutor-') });
    for (const [headers, outcome] of [[{}, 'unauthenticated'], [{ 'x-user': 'student-1' }, 'forbidden']] as const) {
      const response = await h.handle(get('/api/providers/zoom/connect', headers));
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toBe(`${RETURN}?video=${outcome}&provider=zoom`);
      expect(response.headers.get('set-cookie')).toBeNull();
    }
  });

  it('answers unknown providers and paths 404, other methods 405, as problem+json', async () => {
    // Only Zoom is configured here: Google Meet's routes do not exist.
    const h = host({ providers: { zoom: { oauth: new Zoom(client.id, client.secret, redirect('zoom')), tokens: { sealTokens: vi.fn() } } } });
    for (const path of ['/api/providers/skype/connect', '/api/providers/google_meet/connect', '/api/providers/zoom/other', '/api/providers/zoom/connect/x']) {
      const response = await h.handle(get(path, { 'x-user': 'tutor-1' }));
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
    }
    const post = await h.handle(new Request(`${ORIGIN}/api/providers/zoom/connect`, { method: 'POST', headers: { 'x-user': 'tutor-1' } }));
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
  });

  it("is a route plug-in: GET connect and callback for each configured provider, the user taken from the mount ('optional')", () => {
    const zoomOnly = videoConnectRoutes({
      core: { providers: { connect: async () => undefined as never } },
      cookieSecret: SECRET,
      returnTo: RETURN,
      stateStore: createInMemoryOAuthStateStore(),
      providers: { zoom: { oauth: new Zoom(client.id, client.secret, redirect('zoom')), tokens: { sealTokens: vi.fn() } } },
    });
    expect(zoomOnly.routes.map(({ methods, path, auth, authenticate }) => ({ methods, path, auth, own: authenticate !== undefined }))).toEqual([
      { methods: ['GET'], path: '/providers/zoom/connect', auth: 'optional', own: false },
      { methods: ['GET'], path: '/providers/zoom/callback', auth: 'optional', own: false },
    ]);
    expect(() => videoConnectRoutes({ core: { providers: { connect: async () => undefined as never } }, cookieSecret: SECRET, returnTo: RETURN, stateStore: createInMemoryOAuthStateStore(), providers: {} })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/providers/) }),
    );
  });

  it('its own authenticator (e.g. a session cookie for full-page navigations) replaces the mount\'s for these routes only', async () => {
    const mountAuth = vi.fn(() => null);
    const own = vi.fn((request: Request) => (request.headers.get('cookie')?.includes('session=tutor-1') ? { userId: 'tutor-1' } : null));
    const clock = createManualClock(new Date('2030-03-01T12:00:00.000Z'));
    const core = createSessionsCore({ adapter: createInMemoryAdapter({ clock }), videoProvider: videoProviders({}), paymentGateway: createRecordingPaymentGateway(), clock });
    const handle = createSessionsHandler({
      core,
      authenticate: mountAuth,
      getBooking: async () => null,
      cronSecret: 'connect-tests-cron-secret-0123456789abcdef',
      basePath: '/v2',
      routes: [
        videoConnectRoutes({
          core,
          authenticate: own,
          cookieSecret: SECRET,
          returnTo: RETURN,
          stateStore: createInMemoryOAuthStateStore(),
          providers: { zoom: { oauth: new Zoom(client.id, client.secret, redirect('zoom')), tokens: { sealTokens: vi.fn() } } },
        }),
      ],
    });
    const signedIn = await handle(get('/v2/providers/zoom/connect', { cookie: 'session=tutor-1' }));
    expect(signedIn.status).toBe(302);
    expect(new URL(signedIn.headers.get('location')!).origin).toBe('https://zoom.us');
    // The state cookie is scoped to the mount's base path.
    expect(setCookie(signedIn).attributes).toContain('Path=/v2/providers');
    const signedOut = await handle(get('/v2/providers/zoom/connect'));
    expect(new URL(signedOut.headers.get('location')!).searchParams.get('video')).toBe('unauthenticated');
    expect(own).toHaveBeenCalledTimes(2);
    expect(mountAuth).not.toHaveBeenCalled();
  });

  it('an authenticator that throws: 500 problem+json, nothing redirected, the mount told', async () => {
    const h = host({});
    const errors: unknown[] = [];
    const handle = mountVideoConnect(
      {
        core: h.core,
        authenticate: () => {
          throw new Error('auth backend down');
        },
        cookieSecret: SECRET,
        returnTo: RETURN,
        stateStore: createInMemoryOAuthStateStore(),
        providers: { zoom: { oauth: new Zoom(client.id, client.secret, redirect('zoom')), tokens: { sealTokens: vi.fn() } } },
      },
      { core: h.core, onUnexpectedError: (e) => errors.push(e) },
    );
    const response = await handle(get('/api/providers/zoom/connect'));
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('location')).toBeNull();
    expect(errors).toEqual([new Error('auth backend down')]);
  });

  it('refuses a cookie secret that cannot protect anything, and a relative return URL', () => {
    for (const cookieSecret of ['short', ' '.repeat(40), ` ${SECRET}`, undefined as unknown as string]) {
      expect(() => host({ cookieSecret })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
    expect(() => host({ returnTo: '/settings' })).toThrow(/absolute URL/);
  });
});

describe('GET /api/providers/{provider}/callback', () => {
  it('connects Zoom: tokens sealed in the connection, the cookie cleared, the tutor back with video=connected; bookings work', async () => {
    const h = host();
    const { cookie, callbackUrl } = await start(h, 'zoom');
    const { response, location, outcome } = await finish(h, callbackUrl, cookie);
    expect(outcome).toBe('connected');
    expect(location.toString()).toBe(`${RETURN}?video=connected&provider=zoom`);
    expect(setCookie(response).attributes).toContain('Max-Age=0');
    expect(setCookie(response).pair).toBe('itutor_video_oauth=');
    expect(await h.core.providers.get('tutor-1')).toMatchObject({ provider: 'zoom', status: 'connected' });
    const stored = (await h.adapter.raw.tokens('tutor-1'))!;
    const access = await decryptToken(h.keyRing, stored.accessToken, 'tutor-1:zoom:access');
    expect(access).toMatch(/^zoom_at/);
    expect((await h.adapter.raw.tutorEvents('tutor-1')).map((e) => [e.type, e.actor])).toEqual([['provider.connected', 'tutor-1']]);
    expect(JSON.stringify(await h.adapter.raw.tutorEvents('tutor-1'))).not.toContain(access);
    // The token works: a booking makes a Zoom meeting on the tutor's account.
    const { session } = await h.core.sessions.create({ bookingId: 'b1', tutorId: 'tutor-1', studentId: 's1', scheduledStartAt: new Date('2030-03-02T10:00:00.000Z'), durationMinutes: 60, priceMinor: 15_000 });
    expect(fakes.zoom.meetings.get(Number(session.meetingId))).toBeDefined();
    expect(h.errors).toEqual([]);
  });

  it('switches Zoom → Google Meet in one step, with one provider.switched event', async () => {
    const h = host();
    const first = await start(h, 'zoom');
    await finish(h, first.callbackUrl, first.cookie);
    const second = await start(h, 'google_meet');
    const { outcome } = await finish(h, second.callbackUrl, second.cookie);
    expect(outcome).toBe('connected');
    expect(await h.core.providers.get('tutor-1')).toMatchObject({ provider: 'google_meet', status: 'connected', version: 2 });
    expect((await h.adapter.raw.tokens('tutor-1'))!.provider).toBe('google_meet');
    expect((await h.adapter.raw.tutorEvents('tutor-1')).map((e) => [e.type, e.payload])).toEqual([
      ['provider.connected', { provider: 'zoom', previousProvider: null }],
      ['provider.switched', { provider: 'google_meet', previousProvider: 'zoom' }],
    ]);
  });

  it('reconnects an invalid connection', async () => {
    const h = host();
    const first = await start(h, 'zoom');
    await finish(h, first.callbackUrl, first.cookie);
    await h.core.providers.setStatus({ tutorId: 'tutor-1', status: 'invalid' });
    const again = await start(h, 'zoom');
    expect((await finish(h, again.callbackUrl, again.cookie)).outcome).toBe('connected');
    expect(await h.core.providers.canAcceptBookings('tutor-1')).toBe(true);
  });

  describe('refusals change nothing', () => {
    /** A tutor already on Zoom starts connecting Google Meet; `act` spoils the callback. */
    async function refused(
      act: (ctx: { h: ReturnType<typeof host>; cookie: string; callbackUrl: URL }) => Promise<{ outcome: string | null }>,
      expected: string,
      over: Partial<VideoConnectOptions> = {},
    ) {
      const h = host(over);
      const first = await start(h, 'zoom');
      await finish(h, first.callbackUrl, first.cookie);
      const { cookie, callbackUrl } = await start(h, 'google_meet');
      const before = await snapshot(h.adapter);
      const tokenCalls = fakes.google.count('token');
      const { outcome } = await act({ h, cookie, callbackUrl });
      expect(outcome).toBe(expected);
      expect(await snapshot(h.adapter)).toBe(before);
      return { h, tokenCalls, cookie, callbackUrl };
    }

    it('denied consent (error=access_denied): video=denied, no code exchange', async () => {
      const { tokenCalls } = await refused(async ({ h, cookie, callbackUrl }) => {
        const denied = new URL(redirect('google_meet'));
        denied.searchParams.set('error', 'access_denied');
        denied.searchParams.set('state', callbackUrl.searchParams.get('state')!);
        return finish(h, denied, cookie);
      }, 'denied');
      expect(fakes.google.count('token')).toBe(tokenCalls);
    });

    it('a reused state: the second callback is refused (even with the cookie replayed), no second exchange', async () => {
      const h = host();
      const { cookie, callbackUrl } = await start(h, 'zoom');
      expect((await finish(h, callbackUrl, cookie)).outcome).toBe('connected');
      const before = await snapshot(h.adapter);
      const calls = fakes.zoom.count('token');
      expect((await finish(h, callbackUrl, cookie)).outcome).toBe('expired_state');
      expect(fakes.zoom.count('token')).toBe(calls);
      expect(await snapshot(h.adapter)).toBe(before);
    });

    it('an expired state (over 10 minutes): video=expired_state', async () => {
      await refused(async ({ h, cookie, callbackUrl }) => {
        h.clock.set(new Date(h.clock.now().getTime() + 10 * 60_000 + 1));
        return finish(h, callbackUrl, cookie);
      }, 'expired_state');
    });

    it('no cookie, a tampered cookie, or a state that is not the cookie’s (CSRF): video=expired_state, no exchange', async () => {
      for (const spoil of [
        (_c: string, u: URL) => ({ cookie: '', url: u }),
        (c: string, u: URL) => ({ cookie: c.replace(/=(.)/, (_m, ch: string) => `=${ch === 'A' ? 'B' : 'A'}`), url: u }),
        (c: string, u: URL) => ({ cookie: c.replace(/\.(.)/, (_m, ch: string) => `.${ch === 'A' ? 'B' : 'A'}`), url: u }),
        (c: string, u: URL) => {
          const forged = new URL(u);
          forged.searchParams.set('state', 'attacker-state-0123456789');
          return { cookie: c, url: forged };
        },
        (c: string, u: URL) => {
          const forged = new URL(u);
          forged.searchParams.delete('state');
          return { cookie: c, url: forged };
        },
      ]) {
        const { tokenCalls } = await refused(async ({ h, cookie, callbackUrl }) => {
          const { cookie: c, url } = spoil(cookie, callbackUrl);
          return finish(h, url, c);
        }, 'expired_state');
        expect(fakes.google.count('token')).toBe(tokenCalls);
      }
    });

    it('a cookie for another tutor: video=wrong_user, neither tutor changed', async () => {
      const h = host();
      const { cookie, callbackUrl } = await start(h, 'zoom', 'tutor-1');
      const { outcome } = await finish(h, callbackUrl, cookie, 'tutor-2');
      expect(outcome).toBe('wrong_user');
      expect(await h.adapter.raw.connections('tutor-1')).toEqual([]);
      expect(await h.adapter.raw.connections('tutor-2')).toEqual([]);
      expect(fakes.zoom.count('token')).toBe(0);
      // Signed out at the callback: refused too.
      const second = await start(h, 'zoom', 'tutor-1');
      const response = await h.handle(new Request(second.callbackUrl, { headers: { cookie: second.cookie } }));
      expect(new URL(response.headers.get('location')!).searchParams.get('video')).toBe('unauthenticated');
      expect(await h.adapter.raw.connections('tutor-1')).toEqual([]);
    });

    it('a callback on the other provider’s route: video=expired_state', async () => {
      await refused(async ({ h, cookie, callbackUrl }) => {
        const other = new URL(callbackUrl.toString().replace('/google_meet/callback', '/zoom/callback'));
        return finish(h, other, cookie);
      }, 'expired_state');
    });

    for (const [what, fault] of [
      ['a 5xx', { status: 503 }],
      ['a 429', { status: 429, retryAfter: 5, body: { error: 'rate_limit_exceeded' } }],
      ['a refusal (invalid_grant)', { status: 400, body: { error: 'invalid_grant', error_description: 'Bad Request' } }],
      ['garbage', { status: 200, body: 'not json at all' }],
      ['an answer without an access token', { status: 200, body: { token_type: 'Bearer', expires_in: 3600 } }],
    ] as const) {
      it(`a failed exchange (${what}): video=exchange_failed`, async () => {
        await refused(async ({ h, cookie, callbackUrl }) => {
          fakes.google.failNext('token', fault);
          const result = await finish(h, callbackUrl, cookie);
          expect(h.errors).toHaveLength(1);
          expect(JSON.stringify(h.errors)).not.toMatch(/google_at|google_rt/);
          return result;
          // arctic cancels the body of an unexpected status (the 429); under msw 2.15 a cancelled body never
          // settles, so that exchange ends at the time limit — which is what a hanging provider gets too.
        }, 'exchange_failed', { exchangeTimeoutMs: 1_000 });
      });
    }

    it('a hanging token endpoint: video=exchange_failed within the time limit', async () => {
      const h = host({ exchangeTimeoutMs: 200 });
      const { cookie, callbackUrl } = await start(h, 'zoom');
      fakes.zoom.failNext('token', { delayMs: 2_000 });
      const started = Date.now();
      expect((await finish(h, callbackUrl, cookie)).outcome).toBe('exchange_failed');
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(await h.adapter.raw.connections('tutor-1')).toEqual([]);
    });

    it('a code answered twice (the provider refuses the second exchange): the first connects, the replay is refused', async () => {
      const h = host();
      const { cookie, callbackUrl } = await start(h, 'zoom');
      // Another attempt of the same tutor reuses the first code: the provider refuses it.
      const other = await start(h, 'zoom');
      const replay = new URL(other.callbackUrl);
      replay.searchParams.set('code', callbackUrl.searchParams.get('code')!);
      expect((await finish(h, callbackUrl, cookie)).outcome).toBe('connected');
      const before = await snapshot(h.adapter);
      expect((await finish(h, replay, other.cookie)).outcome).toBe('exchange_failed');
      expect(await snapshot(h.adapter)).toBe(before);
    });

    it('a storage failure: video=failed, reported to onError', async () => {
      const h = host();
      const { cookie, callbackUrl } = await start(h, 'zoom');
      const failing = host({ core: { providers: { connect: async () => Promise.reject(new Error('database down')) } } });
      // The same signed cookie works on a handler with the same secret (e.g. another server).
      const { outcome } = await finish(failing, callbackUrl, cookie);
      expect(outcome).toBe('failed');
      expect(failing.errors).toEqual([new Error('database down')]);
      expect(await h.adapter.raw.connections('tutor-1')).toEqual([]);
    });
  });
});

describe('used states across server instances (stateStore)', () => {
  it('is required at creation: no silent per-process default', () => {
    for (const stateStore of [undefined, null, {}, { consume: 'yes' }]) {
      expect(() => host({ stateStore: stateStore as unknown as OAuthStateStore })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/stateStore/) }));
    }
  });

  it('two instances sharing one store: the callback replayed on the second (same state, same cookie) is refused and its code not exchanged again', async () => {
    const stateStore = createInMemoryOAuthStateStore();
    const a = host({ stateStore });
    const b = host({ stateStore });
    const { cookie, callbackUrl } = await start(a, 'zoom');
    expect((await finish(a, callbackUrl, cookie)).outcome).toBe('connected');
    expect(fakes.zoom.count('token')).toBe(1);
    const before = await snapshot(b.adapter);
    expect((await finish(b, callbackUrl, cookie)).outcome).toBe('expired_state');
    expect((await finish(a, callbackUrl, cookie)).outcome).toBe('expired_state');
    expect(fakes.zoom.count('token')).toBe(1);
    expect(await snapshot(b.adapter)).toBe(before);
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it('racing callbacks of one attempt on two instances: exactly one exchange, one connected, the rest expired_state', async () => {
    const stateStore = createInMemoryOAuthStateStore();
    const instances = [host({ stateStore }), host({ stateStore })];
    const { cookie, callbackUrl } = await start(instances[0]!, 'zoom');
    const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => finish(instances[i % 2]!, callbackUrl, cookie).then((r) => r.outcome)));
    expect(outcomes.filter((o) => o === 'connected')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'expired_state')).toHaveLength(7);
    expect(fakes.zoom.count('token')).toBe(1);
  });

  it('the store gets a SHA-256 of the state (never the state) and the attempt’s expiry; an expired attempt never reaches it', async () => {
    const calls: Array<[string, Date, Date]> = [];
    const memory = createInMemoryOAuthStateStore();
    const stateStore: OAuthStateStore = { consume: (hash, expiresAt, now) => (calls.push([hash, expiresAt, now]), memory.consume(hash, expiresAt, now)) };
    const h = host({ stateStore });
    const started = h.clock.now().getTime();
    const { cookie, callbackUrl } = await start(h, 'zoom');
    const state = callbackUrl.searchParams.get('state')!;
    expect((await finish(h, callbackUrl, cookie)).outcome).toBe('connected');
    expect(calls).toHaveLength(1);
    const [hash, expiresAt, now] = calls[0]!;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(state);
    expect(expiresAt.getTime()).toBe(started + 600_000);
    expect(now.getTime()).toBe(started);

    const late = await start(h, 'zoom');
    h.clock.set(new Date(h.clock.now().getTime() + 600_001));
    expect((await finish(h, late.callbackUrl, late.cookie)).outcome).toBe('expired_state');
    expect(calls).toHaveLength(1);
  });

  describe('a store that cannot answer fails closed: video=failed, onError told, no exchange, nothing changed', () => {
    for (const [what, consume, expected] of [
      ['fails', () => Promise.reject(new Error('database down')), /database down/],
      ['hangs', () => new Promise<boolean>(() => undefined), /did not answer within 200 ms/],
      ['throws synchronously', () => { throw new Error('misconfigured'); }, /misconfigured/],
      ['answers a non-boolean', () => Promise.resolve('true' as unknown as boolean), /not a boolean/],
      ['answers undefined', () => Promise.resolve(undefined as unknown as boolean), /not a boolean/],
    ] as const) {
      it(`a store that ${what}`, async () => {
        const h = host({ stateStore: { consume }, stateStoreTimeoutMs: 200 });
        const { cookie, callbackUrl } = await start(h, 'zoom');
        const before = await snapshot(h.adapter);
        const started = Date.now();
        const { outcome, response } = await finish(h, callbackUrl, cookie);
        expect(outcome).toBe('failed');
        expect(Date.now() - started).toBeLessThan(1_500);
        expect(setCookie(response).attributes).toContain('Max-Age=0');
        expect(h.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(expected) })]);
        expect(fakes.zoom.count('token')).toBe(0);
        expect(await snapshot(h.adapter)).toBe(before);
      });
    }

    it('a store answering false: video=expired_state, no exchange', async () => {
      const h = host({ stateStore: { consume: async () => false } });
      const { cookie, callbackUrl } = await start(h, 'zoom');
      expect((await finish(h, callbackUrl, cookie)).outcome).toBe('expired_state');
      expect(fakes.zoom.count('token')).toBe(0);
      expect(h.errors).toEqual([]);
    });
  });
});
