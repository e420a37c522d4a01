/**
 * The one mount's route table: route plug-ins beside the core's routes — collisions refused at
 * construction, plug-in routes reached with their parameters, the request handed over untouched (raw
 * body byte for byte), authentication applied only where a route declares it, 404 / 405 as for the core.
 */
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { isSessionError, SessionError } from '@itutor/sessions-core';
import {
  createSessionsHandler,
  type Authenticator,
  type SessionsPluginRoute,
  type SessionsRouteContext,
  type SessionsRoutePlugin,
} from '@itutor/sessions-core/http';
import { asCron, asUser, createHttpFixture, CRON_SECRET, expectJson, expectProblem, fakeAuthenticator, makeRequest, routes, TUTOR_A } from './support/http-fixture';

type Seen = { request: Request; context: SessionsRouteContext };

/** A plug-in with one route that records what it was handed and answers 200 `{ plugin }`. */
function recordingPlugin(id: string, route: Partial<SessionsPluginRoute> & { path: string }, seen: Seen[] = []): SessionsRoutePlugin {
  return {
    id,
    routes: [
      {
        methods: ['POST'],
        auth: 'none',
        handle: async (request, context) => {
          seen.push({ request, context });
          return Response.json({ plugin: id });
        },
        ...route,
      },
    ],
  };
}

async function mount(plugins: readonly SessionsRoutePlugin[], extra: { authenticate?: Authenticator; basePath?: string } = {}) {
  const fx = await createHttpFixture();
  const handle = createSessionsHandler({
    core: fx.core,
    authenticate: extra.authenticate ?? fakeAuthenticator,
    getBooking: async (id) => fx.bookings.get(id) ?? null,
    cronSecret: CRON_SECRET,
    ...(extra.basePath ? { basePath: extra.basePath } : {}),
    onUnexpectedError: (error) => fx.unexpectedErrors.push(error),
    routes: plugins,
  });
  return { fx, handle };
}

/** The `INVALID_INPUT` that `createSessionsHandler` throws for these plug-ins. */
async function refusal(plugins: unknown): Promise<SessionError> {
  const fx = await createHttpFixture();
  try {
    createSessionsHandler({ core: fx.core, authenticate: fakeAuthenticator, getBooking: async () => null, cronSecret: CRON_SECRET, routes: plugins as SessionsRoutePlugin[] });
  } catch (error) {
    expect(isSessionError(error)).toBe(true);
    return error as SessionError;
  }
  throw new Error('createSessionsHandler accepted the plug-ins');
}

describe('collisions are refused when the handler is created', () => {
  it.each([
    ['the same literal path as a core route', '/cron/process-charges'],
    ['a literal path a core route parameter matches', '/sessions/abc/join'],
    ['a parameter where a core route has a literal', '/sessions/:anything'],
    ['a parameter over a core route parameter', '/sessions/:sessionId/attendance'],
  ])('with a core route: %s (%s)', async (_, path) => {
    const error = await refusal([recordingPlugin('mine', { path })]);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain(path);
    expect(error.message).toContain('(core)');
    expect(error.details.issues).toEqual([{ path: 'routes[0].routes[0].path', message: expect.stringContaining('collides with') }]);
  });

  it('between two plug-ins, naming both', async () => {
    const error = await refusal([recordingPlugin('first', { path: '/webhooks/:provider' }), recordingPlugin('second', { path: '/webhooks/stripe', methods: ['GET'] })]);
    expect(error.code).toBe('INVALID_INPUT');
    // A different method does not help: one path, one owner (405 needs a single route to speak for the path).
    expect(error.message).toMatch(/\/webhooks\/stripe \(second\) collides with \/webhooks\/:provider \(first\)/);
    expect(error.details.issues).toEqual([{ path: 'routes[1].routes[0].path', message: expect.any(String) }]);
  });

  it('within one plug-in, and a repeated plug-in id', async () => {
    const twice: SessionsRoutePlugin = {
      id: 'twice',
      routes: [recordingPlugin('x', { path: '/a/b' }).routes[0]!, recordingPlugin('x', { path: '/a/b', methods: ['GET'] }).routes[0]!],
    };
    const error = await refusal([twice, recordingPlugin('twice', { path: '/c' })]);
    expect(error.details.issues).toEqual([
      { path: 'routes[0].routes[1].path', message: expect.stringContaining('collides with /a/b (twice)') },
      { path: 'routes[1].id', message: expect.stringContaining('repeats the plug-in id') },
    ]);
  });

  it('paths that cannot collide are all mounted', async () => {
    const { handle } = await mount([
      recordingPlugin('a', { path: '/sessions/:id/notes' }),
      recordingPlugin('b', { path: '/sessions/create-for-booking/preview' }),
      recordingPlugin('c', { path: '/webhooks/stripe' }),
      recordingPlugin('d', { path: '/webhooks/zoom' }),
    ]);
    for (const [path, id] of [
      ['/api/sessions/s-1/notes', 'a'],
      ['/api/sessions/create-for-booking/preview', 'b'],
      ['/api/webhooks/stripe', 'c'],
      ['/api/webhooks/zoom', 'd'],
    ] as const) {
      expect(await expectJson(await handle(makeRequest('POST', path)), 200)).toEqual({ plugin: id });
    }
  });

  it.each<[string, unknown, string]>([
    ['not an array', { id: 'x' }, 'routes'],
    ['a plug-in without an id', [{ routes: recordingPlugin('x', { path: '/x' }).routes }], 'routes[0].id'],
    ['a plug-in without routes', [{ id: 'x', routes: [] }], 'routes[0].routes'],
    ['a path without a leading slash', [recordingPlugin('x', { path: 'webhooks/x' })], 'routes[0].routes[0].path'],
    ['an empty segment', [recordingPlugin('x', { path: '/webhooks//x' })], 'routes[0].routes[0].path'],
    ['a dot-dot segment', [recordingPlugin('x', { path: '/webhooks/../x' })], 'routes[0].routes[0].path'],
    ['a regular-expression character', [recordingPlugin('x', { path: '/webhooks/(.*)' })], 'routes[0].routes[0].path'],
    ['a lower-case method', [recordingPlugin('x', { path: '/x', methods: ['post' as 'POST'] })], 'routes[0].routes[0].methods'],
    ['no method', [recordingPlugin('x', { path: '/x', methods: [] })], 'routes[0].routes[0].methods'],
    ['an unknown auth', [recordingPlugin('x', { path: '/x', auth: 'maybe' as 'none' })], 'routes[0].routes[0].auth'],
    ["an authenticator on an auth: 'none' route", [recordingPlugin('x', { path: '/x', authenticate: () => null })], 'routes[0].routes[0].authenticate'],
    ['no handler', [recordingPlugin('x', { path: '/x', handle: undefined as never })], 'routes[0].routes[0].handle'],
  ])('INVALID_INPUT for %s', async (_, plugins, where) => {
    const error = await refusal(plugins);
    expect(error.code).toBe('INVALID_INPUT');
    expect((error.details.issues ?? []).map((i) => i.path)).toContain(where);
  });
});

describe('plug-in routes are reached', () => {
  it('with their decoded parameters and the mount base path; the core routes still answer', async () => {
    const seen: Seen[] = [];
    const { handle } = await mount([recordingPlugin('connect', { path: '/providers/:provider/:step', methods: ['GET'] }, seen)], { basePath: '/v1/' });
    await expectJson(await handle(makeRequest('GET', '/v1/providers/google%5Fmeet/callback/?code=1')), 200);
    expect(seen[0]!.context).toEqual({ params: { provider: 'google_meet', step: 'callback' }, user: null, basePath: '/v1' });
    expect(seen[0]!.request.url).toBe('http://localhost/v1/providers/google%5Fmeet/callback/?code=1');
    // The core's routes moved to the same base path, untouched by the plug-in.
    await expectProblem(await handle(makeRequest('POST', '/v1/cron/process-charges')), 401, 'UNAUTHENTICATED');
    expect((await handle(makeRequest('POST', '/v1/cron/process-charges', { headers: asCron() }))).status).toBe(200);
  });

  it('unknown paths still 404 ROUTE_NOT_FOUND; a plug-in path with another method 405 with its Allow', async () => {
    const seen: Seen[] = [];
    const { handle } = await mount([recordingPlugin('hook', { path: '/webhooks/stripe' }, seen), recordingPlugin('both', { path: '/x/:id', methods: ['GET', 'DELETE'] }, seen)]);
    await expectProblem(await handle(makeRequest('POST', '/api/webhooks/strip')), 404, 'ROUTE_NOT_FOUND');
    await expectProblem(await handle(makeRequest('POST', '/api/webhooks/stripe/extra')), 404, 'ROUTE_NOT_FOUND');
    await expectProblem(await handle(makeRequest('POST', '/webhooks/stripe')), 404, 'ROUTE_NOT_FOUND');
    const wrong = await handle(makeRequest('GET', '/api/webhooks/stripe'));
    const problem = await expectProblem(wrong, 405, 'METHOD_NOT_ALLOWED');
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(problem.detail).toBe('Use POST for this route');
    const two = await handle(makeRequest('POST', '/api/x/1', { body: {} }));
    await expectProblem(two, 405, 'METHOD_NOT_ALLOWED');
    expect(two.headers.get('allow')).toBe('GET, DELETE');
    expect(seen).toEqual([]);
  });

  it('a plug-in that throws is answered like a core route: SessionErrors by code, anything else 500 and told', async () => {
    const { fx, handle } = await mount([
      { id: 'coded', routes: [{ methods: ['POST'], path: '/coded', auth: 'none', handle: async () => { throw new SessionError('FORBIDDEN', 'not you'); } }] },
      { id: 'broken', routes: [{ methods: ['POST'], path: '/broken', auth: 'none', handle: async () => { throw new Error('boom'); } }] },
    ]);
    expect((await expectProblem(await handle(makeRequest('POST', '/api/coded')), 403, 'FORBIDDEN')).detail).toBe('not you');
    expect(fx.unexpectedErrors).toEqual([]);
    await expectProblem(await handle(makeRequest('POST', '/api/broken')), 500, 'INTERNAL');
    expect(fx.unexpectedErrors).toEqual([new Error('boom')]);
  });
});

describe('the request reaches a plug-in untouched', () => {
  // Bytes that any decode / re-encode / JSON round trip would change: a BOM, CRLF, a lone 0xFF, NUL,
  // non-canonical JSON spacing and key order, and a trailing newline.
  const RAW = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('{"b": 1,\r\n  "a":"é"}'), 0xff, 0x00, 0x0a]);
  const SECRET = 'whsec_test_secret';

  /** A webhook plug-in that verifies an HMAC over the raw body, as Stripe's and Zoom's routes do. */
  const signedHook = (received: Uint8Array[]): SessionsRoutePlugin => ({
    id: 'signed',
    routes: [
      {
        methods: ['POST'],
        path: '/webhooks/signed',
        auth: 'none',
        handle: async (request) => {
          const body = new Uint8Array(await request.arrayBuffer());
          received.push(body);
          const expected = createHmac('sha256', SECRET).update(body).digest('hex');
          return request.headers.get('x-signature') === expected ? Response.json({ verified: true }) : new Response('bad signature', { status: 401 });
        },
      },
    ],
  });

  it('byte for byte, so a signature over the raw body verifies (sent whole and streamed)', async () => {
    const received: Uint8Array[] = [];
    const authenticate = vi.fn(fakeAuthenticator);
    const { handle } = await mount([signedHook(received)], { authenticate });
    const signature = createHmac('sha256', SECRET).update(RAW).digest('hex');
    const whole = makeRequest('POST', '/api/webhooks/signed', { body: RAW, headers: { 'x-signature': signature }, contentType: 'text/plain' });
    expect(await expectJson(await handle(whole), 200)).toEqual({ verified: true });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(RAW.slice(0, 5));
        controller.enqueue(RAW.slice(5));
        controller.close();
      },
    });
    const streamed = makeRequest('POST', '/api/webhooks/signed', { body: stream, headers: { 'x-signature': signature }, contentType: 'application/json' });
    expect(await expectJson(await handle(streamed), 200)).toEqual({ verified: true });
    expect(received.map((b) => createHash('sha256').update(b).digest('hex'))).toEqual([
      createHash('sha256').update(RAW).digest('hex'),
      createHash('sha256').update(RAW).digest('hex'),
    ]);
    // A larger body than the core routes accept is the plug-in's business: the mount does not limit it.
    const big = new Uint8Array(64 * 1024).fill(0x41);
    const bigSigned = makeRequest('POST', '/api/webhooks/signed', { body: big, headers: { 'x-signature': createHmac('sha256', SECRET).update(big).digest('hex') } });
    expect((await handle(bigSigned)).status).toBe(200);
    expect(authenticate).not.toHaveBeenCalled();
  });

  it('a changed byte fails the plug-in\'s own check', async () => {
    const { handle } = await mount([signedHook([])]);
    const signature = createHmac('sha256', SECRET).update(RAW).digest('hex');
    const changed = RAW.slice();
    changed[changed.length - 1] = 0x0d;
    expect((await handle(makeRequest('POST', '/api/webhooks/signed', { body: changed, headers: { 'x-signature': signature } }))).status).toBe(401);
  });
});

describe('authentication only where a route declares it', () => {
  const routesFor = (seen: Seen[], own?: Authenticator): SessionsRoutePlugin => ({
    id: 'auth',
    routes: (['required', 'optional', 'none'] as const).map((auth) => ({
      methods: ['POST'] as const,
      path: `/auth/${auth}`,
      auth,
      ...(own && auth !== 'none' ? { authenticate: own } : {}),
      handle: async (request: Request, context: SessionsRouteContext) => {
        seen.push({ request, context });
        return Response.json({ user: context.user });
      },
    })),
  });

  it("'required': 401 without a caller (the handler is not called), the caller otherwise", async () => {
    const seen: Seen[] = [];
    const { handle } = await mount([routesFor(seen)]);
    const refused = await handle(makeRequest('POST', '/api/auth/required'));
    await expectProblem(refused, 401, 'UNAUTHENTICATED');
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    await expectProblem(await handle(makeRequest('POST', '/api/auth/required', { headers: { authorization: 'Bearer user:' } })), 401, 'UNAUTHENTICATED');
    expect(seen).toEqual([]);
    expect(await expectJson(await handle(makeRequest('POST', '/api/auth/required', { headers: asUser(TUTOR_A) })), 200)).toEqual({ user: { userId: TUTOR_A } });
  });

  it("'optional': the caller or null, the handler decides", async () => {
    const seen: Seen[] = [];
    const { handle } = await mount([routesFor(seen)]);
    expect(await expectJson(await handle(makeRequest('POST', '/api/auth/optional')), 200)).toEqual({ user: null });
    expect(await expectJson(await handle(makeRequest('POST', '/api/auth/optional', { headers: asUser(TUTOR_A) })), 200)).toEqual({ user: { userId: TUTOR_A } });
  });

  it("'none': the authenticator is never called, even with credentials, and the handler gets user null", async () => {
    const seen: Seen[] = [];
    const authenticate = vi.fn(fakeAuthenticator);
    const { handle } = await mount([routesFor(seen)], { authenticate });
    expect(await expectJson(await handle(makeRequest('POST', '/api/auth/none', { headers: asUser(TUTOR_A) })), 200)).toEqual({ user: null });
    expect(authenticate).not.toHaveBeenCalled();
    await handle(makeRequest('POST', '/api/auth/optional', { headers: asUser(TUTOR_A) }));
    expect(authenticate).toHaveBeenCalledTimes(1);
  });

  it("a route's own authenticator replaces the mount's for that route only", async () => {
    const seen: Seen[] = [];
    const own = vi.fn<Authenticator>(() => ({ userId: 'from-cookie' }));
    const { handle } = await mount([routesFor(seen, own)]);
    expect(await expectJson(await handle(makeRequest('POST', '/api/auth/required')), 200)).toEqual({ user: { userId: 'from-cookie' } });
    expect(own).toHaveBeenCalledTimes(1);
    // The core's routes keep the mount's authenticator.
    await expectProblem(await handle(makeRequest('POST', routes.create, { body: { bookingId: 'booking-a1' } })), 401, 'UNAUTHENTICATED');
    expect(own).toHaveBeenCalledTimes(1);
  });

  it('an authenticator that throws is a 500, told to onUnexpectedError, and the handler is not called', async () => {
    const seen: Seen[] = [];
    const { fx, handle } = await mount([routesFor(seen)], { authenticate: () => { throw new Error('auth down'); } });
    await expectProblem(await handle(makeRequest('POST', '/api/auth/optional')), 500, 'INTERNAL');
    expect(seen).toEqual([]);
    expect(fx.unexpectedErrors).toEqual([new Error('auth down')]);
  });
});
