import { delay, http, HttpResponse, type RequestHandler } from 'msw';
import { resolveGoogleEndpoints, resolveZoomEndpoints, type GoogleEndpoints, type ZoomEndpoints } from '../endpoints';

/**
 * Local fakes of the providers' documented endpoints, as msw 2 request handlers: the real `arctic`
 * clients and `fetch` calls reach them instead of the internet. They keep state (codes, tokens,
 * meetings, spaces), check what the real services check (client credentials, PKCE, bearer tokens,
 * single-use Zoom refresh tokens) and answer in the providers' formats, errors included.
 */

/** The routes a fault can be injected into. */
export type FakeRoute =
  | 'authorize'
  | 'token'
  | 'revoke'
  | 'zoom.createMeeting'
  | 'zoom.deleteMeeting'
  | 'zoom.updateMeeting'
  | 'zoom.getMeeting'
  | 'zoom.pastMeeting'
  | 'meet.createSpace'
  | 'meet.getSpace'
  | 'meet.patchSpace'
  | 'meet.conferenceRecords'
  | 'events.createSubscription'
  | 'events.getOperation'
  | 'events.getSubscription'
  | 'events.listSubscriptions'
  | 'events.patchSubscription'
  | 'events.reactivateSubscription'
  | 'events.deleteSubscription';

/** An injected answer: a status (429 with `Retry-After`, 5xx, …), a body, or a delay before answering. */
export interface FakeFault {
  readonly status?: number;
  /** Seconds, sent as `Retry-After`. */
  readonly retryAfter?: number;
  readonly body?: unknown;
  /** Wait this long first (to test time-outs); with no `status` the request then proceeds normally. */
  readonly delayMs?: number;
}

/** One request a fake received (no secrets are recorded). */
export interface FakeRequest {
  readonly route: FakeRoute;
  readonly status: number;
}

interface Grant {
  readonly user: string;
  readonly expiresAt: number;
}

/** State and controls shared by both fakes. */
export interface ProviderFake {
  readonly handlers: RequestHandler[];
  readonly requests: readonly FakeRequest[];
  /** How many requests reached `route` (faults included). */
  count(route: FakeRoute): number;
  /** The next `times` requests to `route` get `fault` instead of the normal answer. */
  failNext(route: FakeRoute, fault: FakeFault, times?: number): void;
  /** Issues tokens for `user` as a completed OAuth flow would (for seeding a connection). */
  issueTokens(user: string, options?: { readonly expiresInSeconds?: number }): { accessToken: string; refreshToken: string; expiresAt: Date };
  /** Makes every access token issued so far expired. */
  expireAccessTokens(): void;
  /** Revokes a refresh token (the user removed the app): the next refresh answers the provider's refusal. */
  revokeRefreshToken(refreshToken: string): void;
  /** Whether `refreshToken` is currently accepted. */
  isRefreshTokenValid(refreshToken: string): boolean;
}

/** Options shared by the fakes. */
export interface FakeOptions {
  /** The OAuth client the fake accepts. Default `test-client-id` / `test-client-secret`. */
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** Access-token lifetime in seconds. Default 3600. */
  readonly expiresInSeconds?: number;
  /** Milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number;
}

/** Options of {@link createZoomFake}. */
export interface ZoomFakeOptions extends FakeOptions {
  /**
   * Where the fake answers: the same shape as `zoom({ endpoints })`, default Zoom's public cloud. Token
   * revocation is answered beside the token endpoint (`…/token` → `…/revoke`).
   */
  readonly endpoints?: ZoomEndpoints;
}

/** Options of {@link createGoogleFake}. */
export interface GoogleFakeOptions extends FakeOptions {
  /**
   * Where the fake answers: the same shape as `googleMeet({ endpoints })`, default Google's public
   * endpoints. Token revocation is answered beside the token endpoint (`…/token` → `…/revoke`).
   */
  readonly endpoints?: GoogleEndpoints;
}

/** The revocation endpoint beside a token endpoint (both providers: `…/oauth/token` → `…/oauth/revoke`). */
const revocationOf = (token: string) => token.replace(/\/token$/, '/revoke');

/** A Zoom meeting as the fake stores it. */
export interface FakeZoomMeeting {
  readonly id: number;
  readonly user: string;
  readonly topic: string;
  readonly type: number;
  /** Changed by `PATCH /meetings/{id}` (a move), as are `duration` and `timezone`. */
  start_time: string;
  duration: number;
  timezone: string;
  readonly settings: Record<string, unknown>;
  readonly join_url: string;
  /**
   * What `GET /meetings/{id}` reports: `waiting` until {@link ZoomFake.startMeeting}, `started` while it
   * runs, `waiting` again once {@link ZoomFake.endMeeting} ended it (a scheduled meeting can be started again).
   */
  status: 'waiting' | 'started';
  ended?: { readonly start_time: string; readonly end_time: string };
}

/**
 * The Zoom fake: `zoom.us/oauth/*` and `api.zoom.us/v2` (create, get, update and delete a meeting, and
 * the past meeting). Updating a meeting (`PATCH /meetings/{id}`) changes the fields given and answers 204.
 */
export interface ZoomFake extends ProviderFake {
  readonly meetings: ReadonlyMap<number, FakeZoomMeeting>;
  /**
   * The host started the meeting: `GET /meetings/{id}` reports `status: "started"`, and
   * `GET /past_meetings/{id}` still answers 404 until it ends (as Zoom does for a live meeting).
   */
  startMeeting(id: number | string): void;
  /** Records that the meeting took place (`GET /past_meetings/{id}` answers it from then on; its status is `waiting` again). */
  endMeeting(id: number | string, times: { readonly startedAt: Date; readonly endedAt: Date }): void;
}

/** A Meet space as the fake stores it. */
export interface FakeMeetSpace {
  readonly name: string;
  readonly user: string;
  readonly meetingUri: string;
  readonly meetingCode: string;
  accessType: string;
  readonly conferences: Array<{ name: string; startTime: string; endTime?: string }>;
}

/** A Workspace Events subscription as the Google fake stores it. */
export interface FakeWorkspaceSubscription {
  readonly name: string;
  /** The Google user whose token created it (one subscription per user and target resource). */
  readonly user: string;
  readonly targetResource: string;
  readonly eventTypes: readonly string[];
  readonly pubsubTopic: string;
  readonly includeResource: boolean;
  expireTime: number;
  state: 'ACTIVE' | 'SUSPENDED';
  suspensionReason: string | null;
  /** How many times it was renewed (`PATCH` of `ttl` / `expireTime`). */
  renewals: number;
}

/**
 * The Google fake: `accounts.google.com`, `oauth2.googleapis.com`, `meet.googleapis.com/v2` and
 * `workspaceevents.googleapis.com/v1`. `spaces.get` shows a space's settings (`config`) and active
 * conference to its owner only, and the conference records list only the caller's own spaces, as Meet does.
 */
export interface GoogleFake extends ProviderFake {
  readonly spaces: ReadonlyMap<string, FakeMeetSpace>;
  /** Adds a conference record to a space (no `endedAt`: still running). */
  addConference(spaceName: string, times: { readonly startedAt: Date; readonly endedAt?: Date }): void;
  /**
   * The Workspace Events subscriptions, expired ones included until they are read (Google deletes an
   * expired subscription: the fake answers 404 for it and drops it).
   */
  readonly subscriptions: ReadonlyMap<string, FakeWorkspaceSubscription>;
  /** The longest ttl the fake grants, in seconds (a `ttl` of 0 gets it). Default 7 days, Meet's maximum without resource data. */
  maxSubscriptionTtlSeconds: number;
  /** The next `times` create / patch / reactivate / delete answers are operations that are `done` only after `polls` reads. */
  deferOperations(polls: number, times?: number): void;
  /** Makes a subscription expire now (Google then deletes it). */
  expireSubscription(name: string): void;
  /** Suspends a subscription (`state: SUSPENDED`, e.g. `USER_SCOPE_REVOKED`) until it is reactivated. */
  suspendSubscription(name: string, reason?: string): void;
}

type Dialect = 'zoom' | 'google';

/** The event types Google accepts for a Meet space target. */
const MEET_EVENT_TYPES = new Set([
  'google.workspace.meet.conference.v2.started',
  'google.workspace.meet.conference.v2.ended',
  'google.workspace.meet.participant.v2.joined',
  'google.workspace.meet.participant.v2.left',
  'google.workspace.meet.recording.v2.fileGenerated',
  'google.workspace.meet.transcript.v2.fileGenerated',
]);

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
const randomToken = (prefix: string) => `${prefix}_${base64url(globalThis.crypto.getRandomValues(new Uint8Array(18)))}`;
async function s256(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

function createCore(dialect: Dialect, options: FakeOptions) {
  const clientId = options.clientId ?? 'test-client-id';
  const clientSecret = options.clientSecret ?? 'test-client-secret';
  const lifetime = options.expiresInSeconds ?? 3600;
  const now = options.now ?? Date.now;
  const requests: FakeRequest[] = [];
  const faults = new Map<FakeRoute, FakeFault[]>();
  const access = new Map<string, Grant>();
  const refresh = new Map<string, string>(); // refresh token → user
  const codes = new Map<string, { user: string; challenge: string; redirectUri: string }>();

  function issueTokens(user: string, opts?: { readonly expiresInSeconds?: number }) {
    const accessToken = randomToken(`${dialect}_at`);
    const refreshToken = randomToken(`${dialect}_rt`);
    const seconds = opts?.expiresInSeconds ?? lifetime;
    access.set(accessToken, { user, expiresAt: now() + seconds * 1000 });
    refresh.set(refreshToken, user);
    return { accessToken, refreshToken, expiresAt: new Date(now() + seconds * 1000) };
  }

  /** Records the request; answers an injected fault if one is queued. */
  async function enter(route: FakeRoute): Promise<Response | null> {
    const queue = faults.get(route);
    const fault = queue?.shift();
    if (fault?.delayMs) await delay(fault.delayMs);
    if (fault?.status) {
      requests.push({ route, status: fault.status });
      const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { 'Retry-After': String(fault.retryAfter) };
      const body =
        fault.body ??
        (dialect === 'zoom'
          ? { code: fault.status === 429 ? 429 : fault.status, message: fault.status === 429 ? "You have reached the maximum per-second rate limit for this API. Try again later." : 'Internal error.' }
          : { error: { code: fault.status, message: 'Injected failure.', status: fault.status === 429 ? 'RESOURCE_EXHAUSTED' : 'UNAVAILABLE' } });
      // The OAuth routes answer a 5xx without a body: arctic discards it with `body.cancel()`, which never
      // settles on an msw response (mswjs/interceptors#799); a real client sees the same error either way.
      if ((route === 'token' || route === 'revoke') && fault.status >= 500 && fault.body === undefined) {
        return new HttpResponse(null, { status: fault.status, headers });
      }
      return HttpResponse.json(body as Record<string, unknown>, { status: fault.status, headers });
    }
    return null;
  }
  const done = (route: FakeRoute, response: Response) => {
    requests.push({ route, status: response.status });
    return response;
  };

  /** The bearer token's user, or the provider's 401. */
  function authenticate(request: Request): { user: string } | Response {
    const header = request.headers.get('authorization') ?? '';
    const grant = access.get(header.replace(/^Bearer\s+/i, ''));
    if (grant && grant.expiresAt > now()) return { user: grant.user };
    return dialect === 'zoom'
      ? HttpResponse.json({ code: 124, message: grant ? 'Access token is expired.' : 'Invalid access token.' }, { status: 401 })
      : HttpResponse.json(
          { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } },
          { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' } },
        );
  }

  const oauthError = (status: number, error: string, description: string) =>
    dialect === 'zoom'
      ? HttpResponse.json({ reason: description, error }, { status })
      : HttpResponse.json({ error, error_description: description }, { status });

  function clientAuthenticated(request: Request, form: URLSearchParams): boolean {
    const basic = request.headers.get('authorization');
    if (basic?.startsWith('Basic ')) {
      const [id, secret] = atob(basic.slice(6)).split(':');
      return id === clientId && secret === clientSecret;
    }
    return form.get('client_id') === clientId && form.get('client_secret') === clientSecret;
  }

  const authorize = async ({ request }: { request: Request }) => {
    const fault = await enter('authorize');
    if (fault) return fault;
    const url = new URL(request.url);
    const redirectUri = url.searchParams.get('redirect_uri');
    const challenge = url.searchParams.get('code_challenge');
    if (url.searchParams.get('client_id') !== clientId || !redirectUri || url.searchParams.get('response_type') !== 'code') {
      return done('authorize', new HttpResponse('invalid authorization request', { status: 400 }));
    }
    if (!challenge || url.searchParams.get('code_challenge_method') !== 'S256') {
      return done('authorize', new HttpResponse('PKCE (S256) is required', { status: 400 }));
    }
    const code = randomToken('code');
    codes.set(code, { user: url.searchParams.get('login_hint') ?? 'user-1', challenge, redirectUri });
    const back = new URL(redirectUri);
    back.searchParams.set('code', code);
    const state = url.searchParams.get('state');
    if (state !== null) back.searchParams.set('state', state);
    return done('authorize', new HttpResponse(null, { status: 302, headers: { Location: back.toString() } }));
  };

  const token = async ({ request }: { request: Request }) => {
    const fault = await enter('token');
    if (fault) return fault;
    const form = new URLSearchParams(await request.text());
    if (!clientAuthenticated(request, form)) return done('token', oauthError(401, 'invalid_client', 'Invalid client_id or client_secret'));
    const grantType = form.get('grant_type');
    let user: string;
    let rotate = true;
    if (grantType === 'authorization_code') {
      const entry = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      if (!entry) return done('token', oauthError(400, dialect === 'zoom' ? 'invalid_request' : 'invalid_grant', 'Invalid authorization code'));
      if (entry.redirectUri !== form.get('redirect_uri')) return done('token', oauthError(400, dialect === 'zoom' ? 'invalid_request' : 'redirect_uri_mismatch', 'Redirect URI mismatch.'));
      if ((await s256(form.get('code_verifier') ?? '')) !== entry.challenge) {
        return done('token', oauthError(400, dialect === 'zoom' ? 'invalid_request' : 'invalid_grant', 'Invalid code verifier'));
      }
      user = entry.user;
    } else if (grantType === 'refresh_token') {
      const old = form.get('refresh_token') ?? '';
      const owner = refresh.get(old);
      if (!owner) {
        return done('token', dialect === 'zoom' ? oauthError(400, 'invalid_request', 'Invalid Token!') : oauthError(400, 'invalid_grant', 'Token has been expired or revoked.'));
      }
      user = owner;
      // Zoom refresh tokens are single-use (rotated on every refresh); Google keeps the refresh token.
      rotate = dialect === 'zoom';
      if (rotate) refresh.delete(old);
    } else {
      return done('token', oauthError(400, 'unsupported_grant_type', 'Unsupported grant type'));
    }
    const accessToken = randomToken(`${dialect}_at`);
    access.set(accessToken, { user, expiresAt: now() + lifetime * 1000 });
    const body: Record<string, unknown> = { access_token: accessToken, token_type: 'bearer', expires_in: lifetime, scope: 'meeting:write' };
    if (rotate) {
      const refreshToken = randomToken(`${dialect}_rt`);
      refresh.set(refreshToken, user);
      body.refresh_token = refreshToken;
    }
    return done('token', HttpResponse.json(body));
  };

  const revoke = async ({ request }: { request: Request }) => {
    const fault = await enter('revoke');
    if (fault) return fault;
    const form = new URLSearchParams(await request.text());
    const value = form.get('token') ?? '';
    refresh.delete(value);
    access.delete(value);
    return done('revoke', dialect === 'zoom' ? HttpResponse.json({ status: 'success' }) : new HttpResponse(null, { status: 200 }));
  };

  const fake = {
    requests,
    count: (route: FakeRoute) => requests.filter((r) => r.route === route).length,
    failNext(route: FakeRoute, fault: FakeFault, times = 1) {
      const queue = faults.get(route) ?? [];
      for (let i = 0; i < times; i++) queue.push(fault);
      faults.set(route, queue);
    },
    issueTokens,
    expireAccessTokens() {
      for (const [key, grant] of access) access.set(key, { ...grant, expiresAt: now() - 1 });
    },
    revokeRefreshToken(refreshToken: string) {
      refresh.delete(refreshToken);
    },
    isRefreshTokenValid: (refreshToken: string) => refresh.has(refreshToken),
  };
  return { fake, enter, done, authenticate, authorize, token, revoke };
}

/** The Zoom fake's handlers and controls. */
export function createZoomFake(options: ZoomFakeOptions = {}): ZoomFake {
  const endpoints = resolveZoomEndpoints(options.endpoints);
  const core = createCore('zoom', options);
  const { enter, done, authenticate } = core;
  const meetings = new Map<number, FakeZoomMeeting>();
  let nextId = 85_000_000_001;
  const api = endpoints.api;
  const notFound = (id: string) => HttpResponse.json({ code: 3001, message: `Meeting does not exist: ${id}.` }, { status: 404 });

  const handlers = [
    http.get(endpoints.authorization, core.authorize),
    http.post(endpoints.token, core.token),
    http.post(revocationOf(endpoints.token), core.revoke),
    http.post(`${api}/users/me/meetings`, async ({ request }) => {
      const fault = await enter('zoom.createMeeting');
      if (fault) return fault;
      const who = authenticate(request);
      if (who instanceof Response) return done('zoom.createMeeting', who);
      const body = (await request.json().catch(() => null)) as Record<string, unknown> | null;
      if (!body || typeof body.topic !== 'string' || typeof body.start_time !== 'string' || typeof body.duration !== 'number') {
        return done('zoom.createMeeting', HttpResponse.json({ code: 300, message: 'Validation Failed.' }, { status: 400 }));
      }
      const id = nextId++;
      const meeting: FakeZoomMeeting = {
        id,
        user: who.user,
        topic: body.topic,
        type: typeof body.type === 'number' ? body.type : 2,
        start_time: body.start_time,
        duration: body.duration,
        timezone: typeof body.timezone === 'string' ? body.timezone : 'UTC',
        settings: (body.settings as Record<string, unknown>) ?? {},
        join_url: `https://us05web.zoom.us/j/${id}?pwd=fake${id % 997}`,
        status: 'waiting',
      };
      meetings.set(id, meeting);
      const { user: _user, ended: _ended, status: _status, ...shown } = meeting;
      return done(
        'zoom.createMeeting',
        HttpResponse.json({ ...shown, uuid: `uuid-${id}`, host_id: who.user, start_url: `https://us05web.zoom.us/s/${id}?zak=secret`, password: 'fake' }, { status: 201 }),
      );
    }),
    http.get(`${api}/meetings/:id`, async ({ request, params }) => {
      const fault = await enter('zoom.getMeeting');
      if (fault) return fault;
      const who = authenticate(request);
      if (who instanceof Response) return done('zoom.getMeeting', who);
      const meeting = meetings.get(Number(params.id));
      if (!meeting || meeting.user !== who.user) return done('zoom.getMeeting', notFound(String(params.id)));
      const { user: _user, ended: _ended, ...shown } = meeting;
      return done(
        'zoom.getMeeting',
        HttpResponse.json({ ...shown, uuid: `uuid-${meeting.id}`, host_id: who.user, start_url: `https://us05web.zoom.us/s/${meeting.id}?zak=secret`, password: 'fake' }),
      );
    }),
    // Update a meeting: only the fields given change; 204 No Content, as Zoom answers.
    http.patch(`${api}/meetings/:id`, async ({ request, params }) => {
      const fault = await enter('zoom.updateMeeting');
      if (fault) return fault;
      const who = authenticate(request);
      if (who instanceof Response) return done('zoom.updateMeeting', who);
      const meeting = meetings.get(Number(params.id));
      if (!meeting || meeting.user !== who.user) return done('zoom.updateMeeting', notFound(String(params.id)));
      const body = (await request.json().catch(() => null)) as Record<string, unknown> | null;
      const invalid =
        !body ||
        (body.start_time !== undefined && (typeof body.start_time !== 'string' || Number.isNaN(Date.parse(body.start_time)))) ||
        (body.duration !== undefined && (typeof body.duration !== 'number' || !Number.isInteger(body.duration) || body.duration <= 0)) ||
        (body.timezone !== undefined && typeof body.timezone !== 'string');
      if (invalid) return done('zoom.updateMeeting', HttpResponse.json({ code: 300, message: 'Validation Failed.' }, { status: 400 }));
      if (typeof body.start_time === 'string') meeting.start_time = body.start_time;
      if (typeof body.duration === 'number') meeting.duration = body.duration;
      if (typeof body.timezone === 'string') meeting.timezone = body.timezone;
      return done('zoom.updateMeeting', new HttpResponse(null, { status: 204 }));
    }),
    http.delete(`${api}/meetings/:id`, async ({ request, params }) => {
      const fault = await enter('zoom.deleteMeeting');
      if (fault) return fault;
      const who = authenticate(request);
      if (who instanceof Response) return done('zoom.deleteMeeting', who);
      const meeting = meetings.get(Number(params.id));
      if (!meeting || meeting.user !== who.user) return done('zoom.deleteMeeting', notFound(String(params.id)));
      meetings.delete(meeting.id);
      return done('zoom.deleteMeeting', new HttpResponse(null, { status: 204 }));
    }),
    http.get(`${api}/past_meetings/:id`, async ({ request, params }) => {
      const fault = await enter('zoom.pastMeeting');
      if (fault) return fault;
      const who = authenticate(request);
      if (who instanceof Response) return done('zoom.pastMeeting', who);
      const meeting = meetings.get(Number(params.id));
      if (!meeting || meeting.user !== who.user || !meeting.ended) return done('zoom.pastMeeting', notFound(String(params.id)));
      return done(
        'zoom.pastMeeting',
        HttpResponse.json({ id: meeting.id, uuid: `uuid-${meeting.id}`, topic: meeting.topic, type: meeting.type, ...meeting.ended, duration: meeting.duration }),
      );
    }),
  ];

  return {
    ...core.fake,
    handlers,
    meetings,
    startMeeting(id) {
      const meeting = meetings.get(Number(id));
      if (!meeting) throw new Error(`no fake Zoom meeting ${id}`);
      meeting.status = 'started';
    },
    endMeeting(id, times) {
      const meeting = meetings.get(Number(id));
      if (!meeting) throw new Error(`no fake Zoom meeting ${id}`);
      meeting.ended = { start_time: times.startedAt.toISOString(), end_time: times.endedAt.toISOString() };
      meeting.status = 'waiting';
    },
  };
}

/** The Google fake's handlers and controls (OAuth and the Meet REST API v2). */
export function createGoogleFake(options: GoogleFakeOptions = {}): GoogleFake {
  const endpoints = resolveGoogleEndpoints(options.endpoints);
  const core = createCore('google', options);
  const { enter, done, authenticate } = core;
  const spaces = new Map<string, FakeMeetSpace>();
  let counter = 0;
  const api = endpoints.meetApi;
  const events = endpoints.workspaceEventsApi;
  const now = options.now ?? Date.now;
  const googleError = (status: number, code: string, message: string) => HttpResponse.json({ error: { code: status, message, status: code } }, { status });
  const subscriptions = new Map<string, FakeWorkspaceSubscription>();
  const operations = new Map<string, { name: string; polls: number; result: () => unknown }>();
  const deferred: number[] = [];
  let subscriptionCounter = 0;
  let operationCounter = 0;
  /** `"{n}s"` → n (whole or fractional seconds); null when unreadable. */
  const parseTtl = (value: unknown): number | null => {
    if (value === undefined) return 0;
    const m = typeof value === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(value) : null;
    return m ? Number(m[1]) : null;
  };
  const grant = (ttl: number) => (ttl === 0 ? fake.maxSubscriptionTtlSeconds : Math.min(ttl, fake.maxSubscriptionTtlSeconds));
  /** Live subscriptions; expired ones are deleted (as Google does). */
  function* live(): Generator<FakeWorkspaceSubscription> {
    for (const [name, s] of subscriptions) {
      if (s.expireTime <= now()) subscriptions.delete(name);
      else yield s;
    }
  }
  const owned = (id: string, user: string) => [...live()].find((s) => s.name === `subscriptions/${id}` && s.user === user) ?? null;
  const shownSubscription = (s: FakeWorkspaceSubscription) => ({
    name: s.name,
    uid: s.name.slice(14),
    targetResource: s.targetResource,
    eventTypes: [...s.eventTypes],
    notificationEndpoint: { pubsubTopic: s.pubsubTopic },
    ...(s.includeResource ? { payloadOptions: { includeResource: true } } : {}),
    state: s.state,
    ...(s.suspensionReason ? { suspensionReason: s.suspensionReason } : {}),
    authority: `users/${s.user}`,
    expireTime: new Date(s.expireTime).toISOString(),
    etag: `"${s.renewals}"`,
  });
  /** A long-running operation: done at once, or after the polls queued with `deferOperations`. */
  function operation(result: () => unknown) {
    operationCounter++;
    const name = `operations/op-${operationCounter}`;
    const polls = deferred.shift() ?? 0;
    if (polls <= 0) return { name, done: true, response: { '@type': 'type.googleapis.com/google.apps.events.subscriptions.v1.Subscription', ...(result() as object) } };
    operations.set(name, { name, polls, result: () => ({ '@type': 'type.googleapis.com/google.apps.events.subscriptions.v1.Subscription', ...(result() as object) }) });
    return { name, done: false, metadata: {} };
  }
  const shown = (space: FakeMeetSpace) => ({
    name: space.name,
    meetingUri: space.meetingUri,
    meetingCode: space.meetingCode,
    config: { accessType: space.accessType, entryPointAccess: 'ALL' },
  });
  /** What `spaces.get` shows: the settings (`config`) and the active conference to the owner only. */
  const seenBy = (space: FakeMeetSpace, user: string) => {
    if (space.user !== user) return { name: space.name, meetingUri: space.meetingUri, meetingCode: space.meetingCode };
    const running = space.conferences.find((c) => c.endTime === undefined);
    return { ...shown(space), ...(running ? { activeConference: { conferenceRecord: running.name } } : {}) };
  };

  const handlers = [
    http.get(endpoints.authorization, core.authorize),
    http.post(endpoints.token, core.token),
    http.post(revocationOf(endpoints.token), core.revoke),
    http.post(`${api}/spaces`, async ({ request }) => {
      const fault = await enter('meet.createSpace');
      if (fault) return fault;
      const who = authenticate(request);
      if (who instanceof Response) return done('meet.createSpace', who);
      const body = (await request.json().catch(() => ({}))) as { config?: { accessType?: string } };
      counter++;
      const letters = (n: number, len: number) => Array.from({ length: len }, (_, i) => String.fromCharCode(97 + ((n * (i + 7)) % 26))).join('');
      const code = `${letters(counter, 3)}-${letters(counter + 1, 4)}-${letters(counter + 2, 3)}`;
      const space: FakeMeetSpace = {
        name: `spaces/fake${counter}x${letters(counter, 6)}`,
        user: who.user,
        meetingUri: `https://meet.google.com/${code}`,
        meetingCode: code,
        accessType: body.config?.accessType ?? 'TRUSTED',
        conferences: [],
      };
      spaces.set(space.name, space);
      return done('meet.createSpace', HttpResponse.json(shown(space)));
    }),
    http.get(`${api}/spaces/:id`, async ({ request, params }) => {
      const fault = await enter('meet.getSpace');
      if (fault) return fault;
      const who = authenticate(request);
      if (who instanceof Response) return done('meet.getSpace', who);
      const id = String(params.id);
      // `spaces/{space}` or its alias `spaces/{meetingCode}`.
      const space = spaces.get(`spaces/${id}`) ?? [...spaces.values()].find((s) => s.meetingCode === id.toLowerCase());
      if (!space) return done('meet.getSpace', googleError(404, 'NOT_FOUND', 'Requested entity was not found.'));
      return done('meet.getSpace', HttpResponse.json(seenBy(space, who.user)));
    }),
    http.patch(`${api}/spaces/:id`, async ({ request, params }) => {
      const fault = await enter('meet.patchSpace');
      if (fault) return fault;
      const who = authenticate(request);
      if (who instanceof Response) return done('meet.patchSpace', who);
      const space = spaces.get(`spaces/${String(params.id)}`);
      if (!space || space.user !== who.user) return done('meet.patchSpace', googleError(404, 'NOT_FOUND', 'Requested entity was not found.'));
      const mask = new URL(request.url).searchParams.get('updateMask');
      const body = (await request.json().catch(() => ({}))) as { config?: { accessType?: string } };
      if (mask === 'config.accessType' && body.config?.accessType) space.accessType = body.config.accessType;
      return done('meet.patchSpace', HttpResponse.json(shown(space)));
    }),
    http.get(`${api}/conferenceRecords`, async ({ request }) => {
      const fault = await enter('meet.conferenceRecords');
      if (fault) return fault;
      const who = authenticate(request);
      if (who instanceof Response) return done('meet.conferenceRecords', who);
      const filter = new URL(request.url).searchParams.get('filter') ?? '';
      const match = /^space\.name\s*=\s*"([^"]+)"$/.exec(filter.trim());
      if (filter && !match) return done('meet.conferenceRecords', googleError(400, 'INVALID_ARGUMENT', 'Invalid filter.'));
      const records = [...spaces.values()]
        .filter((s) => s.user === who.user && (!match || s.name === match[1]))
        .flatMap((s) => s.conferences.map((c) => ({ ...c, space: s.name, expireTime: '2099-01-01T00:00:00Z' })));
      return done('meet.conferenceRecords', HttpResponse.json(records.length ? { conferenceRecords: records } : {}));
    }),
    http.post(`${events}/subscriptions`, async ({ request }) => {
      const fault = await enter('events.createSubscription');
      if (fault) return fault;
      const who = authenticate(request);
      if (who instanceof Response) return done('events.createSubscription', who);
      const body = (await request.json().catch(() => null)) as Record<string, unknown> | null;
      const target = typeof body?.targetResource === 'string' ? body.targetResource : '';
      const spaceName = /^\/\/meet\.googleapis\.com\/(spaces\/[A-Za-z0-9_-]+)$/.exec(target)?.[1];
      const types = Array.isArray(body?.eventTypes) ? (body.eventTypes as unknown[]) : [];
      const topic = (body?.notificationEndpoint as { pubsubTopic?: unknown } | undefined)?.pubsubTopic;
      const ttl = parseTtl(body?.ttl);
      if (!spaceName) return done('events.createSubscription', googleError(400, 'INVALID_ARGUMENT', 'Invalid target resource.'));
      if (types.length === 0 || !types.every((t) => typeof t === 'string' && MEET_EVENT_TYPES.has(t))) {
        return done('events.createSubscription', googleError(400, 'INVALID_ARGUMENT', 'Invalid event types for the target resource.'));
      }
      if (typeof topic !== 'string' || !/^projects\/[^/]+\/topics\/[^/]+$/.test(topic)) {
        return done('events.createSubscription', googleError(400, 'INVALID_ARGUMENT', 'Invalid notification endpoint.'));
      }
      if (ttl === null) return done('events.createSubscription', googleError(400, 'INVALID_ARGUMENT', 'Invalid ttl.'));
      const space = spaces.get(spaceName);
      if (!space || space.user !== who.user) return done('events.createSubscription', googleError(403, 'PERMISSION_DENIED', 'The caller does not have permission on the target resource.'));
      if ([...live()].some((s) => s.user === who.user && s.targetResource === target)) {
        return done('events.createSubscription', googleError(409, 'ALREADY_EXISTS', 'A subscription for this target resource already exists.'));
      }
      subscriptionCounter++;
      const subscription: FakeWorkspaceSubscription = {
        name: `subscriptions/meet-${subscriptionCounter}-${spaceName.slice(7)}`,
        user: who.user,
        targetResource: target,
        eventTypes: types as string[],
        pubsubTopic: topic,
        includeResource: (body?.payloadOptions as { includeResource?: unknown } | undefined)?.includeResource === true,
        expireTime: now() + grant(ttl) * 1000,
        state: 'ACTIVE',
        suspensionReason: null,
        renewals: 0,
      };
      subscriptions.set(subscription.name, subscription);
      return done('events.createSubscription', HttpResponse.json(operation(() => shownSubscription(subscription))));
    }),
    http.get(`${events}/operations/:id`, async ({ request, params }) => {
      const fault = await enter('events.getOperation');
      if (fault) return fault;
      const who = authenticate(request);
      if (who instanceof Response) return done('events.getOperation', who);
      const entry = operations.get(`operations/${String(params.id)}`);
      if (!entry) return done('events.getOperation', googleError(404, 'NOT_FOUND', 'Operation not found.'));
      entry.polls--;
      return done('events.getOperation', HttpResponse.json(entry.polls <= 0 ? { name: entry.name, done: true, response: entry.result() } : { name: entry.name, done: false }));
    }),
    http.get(`${events}/subscriptions`, async ({ request }) => {
      const fault = await enter('events.listSubscriptions');
      if (fault) return fault;
      const who = authenticate(request);
      if (who instanceof Response) return done('events.listSubscriptions', who);
      const filter = new URL(request.url).searchParams.get('filter') ?? '';
      const wanted = [...filter.matchAll(/event_types:"([^"]+)"/g)].map((m) => m[1]!);
      if (wanted.length === 0) return done('events.listSubscriptions', googleError(400, 'INVALID_ARGUMENT', 'The filter must name at least one event type.'));
      const target = /target_resource="([^"]+)"/.exec(filter)?.[1];
      const found = [...live()].filter((s) => s.user === who.user && (!target || s.targetResource === target) && s.eventTypes.some((t) => wanted.includes(t)));
      return done('events.listSubscriptions', HttpResponse.json(found.length ? { subscriptions: found.map(shownSubscription) } : {}));
    }),
    http.get(`${events}/subscriptions/:id`, async ({ request, params }) => {
      const fault = await enter('events.getSubscription');
      if (fault) return fault;
      const who = authenticate(request);
      if (who instanceof Response) return done('events.getSubscription', who);
      const subscription = owned(String(params.id), who.user);
      if (!subscription) return done('events.getSubscription', googleError(404, 'NOT_FOUND', 'Subscription not found.'));
      return done('events.getSubscription', HttpResponse.json(shownSubscription(subscription)));
    }),
    http.patch(`${events}/subscriptions/:id`, async ({ request, params }) => {
      const fault = await enter('events.patchSubscription');
      if (fault) return fault;
      const who = authenticate(request);
      if (who instanceof Response) return done('events.patchSubscription', who);
      const subscription = owned(String(params.id), who.user);
      if (!subscription) return done('events.patchSubscription', googleError(404, 'NOT_FOUND', 'Subscription not found.'));
      const mask = new URL(request.url).searchParams.get('updateMask') ?? '';
      const body = (await request.json().catch(() => ({}))) as { ttl?: unknown; expireTime?: unknown };
      if (mask === 'ttl') {
        const ttl = parseTtl(body.ttl);
        if (ttl === null) return done('events.patchSubscription', googleError(400, 'INVALID_ARGUMENT', 'Invalid ttl.'));
        subscription.expireTime = now() + grant(ttl) * 1000;
      } else if (mask === 'expire_time' || mask === 'expireTime') {
        const at = typeof body.expireTime === 'string' ? Date.parse(body.expireTime) : Number.NaN;
        if (Number.isNaN(at) || at <= now()) return done('events.patchSubscription', googleError(400, 'INVALID_ARGUMENT', 'Invalid expire time.'));
        subscription.expireTime = Math.min(at, now() + fake.maxSubscriptionTtlSeconds * 1000);
      } else {
        return done('events.patchSubscription', googleError(400, 'INVALID_ARGUMENT', 'Unsupported update mask.'));
      }
      subscription.renewals++;
      return done('events.patchSubscription', HttpResponse.json(operation(() => shownSubscription(subscription))));
    }),
    http.post(`${events}/subscriptions/:action`, async ({ request, params }) => {
      const fault = await enter('events.reactivateSubscription');
      if (fault) return fault;
      const who = authenticate(request);
      if (who instanceof Response) return done('events.reactivateSubscription', who);
      const match = /^([A-Za-z0-9_-]+):reactivate$/.exec(String(params.action));
      if (!match) return done('events.reactivateSubscription', googleError(404, 'NOT_FOUND', 'Unknown method.'));
      const subscription = owned(match[1]!, who.user);
      if (!subscription) return done('events.reactivateSubscription', googleError(404, 'NOT_FOUND', 'Subscription not found.'));
      if (subscription.state !== 'SUSPENDED') return done('events.reactivateSubscription', googleError(400, 'FAILED_PRECONDITION', 'The subscription is not suspended.'));
      subscription.state = 'ACTIVE';
      subscription.suspensionReason = null;
      return done('events.reactivateSubscription', HttpResponse.json(operation(() => shownSubscription(subscription))));
    }),
    http.delete(`${events}/subscriptions/:id`, async ({ request, params }) => {
      const fault = await enter('events.deleteSubscription');
      if (fault) return fault;
      const who = authenticate(request);
      if (who instanceof Response) return done('events.deleteSubscription', who);
      const subscription = owned(String(params.id), who.user);
      if (!subscription) return done('events.deleteSubscription', googleError(404, 'NOT_FOUND', 'Subscription not found.'));
      subscriptions.delete(subscription.name);
      return done('events.deleteSubscription', HttpResponse.json(operation(() => ({}))));
    }),
  ];

  const fake: GoogleFake = {
    ...core.fake,
    handlers,
    spaces,
    subscriptions,
    maxSubscriptionTtlSeconds: 7 * 24 * 3600,
    deferOperations(polls, times = 1) {
      for (let i = 0; i < times; i++) deferred.push(polls);
    },
    expireSubscription(name) {
      const subscription = subscriptions.get(name);
      if (!subscription) throw new Error(`no fake subscription ${name}`);
      subscription.expireTime = now() - 1;
    },
    suspendSubscription(name, reason = 'USER_SCOPE_REVOKED') {
      const subscription = subscriptions.get(name);
      if (!subscription) throw new Error(`no fake subscription ${name}`);
      subscription.state = 'SUSPENDED';
      subscription.suspensionReason = reason;
    },
    addConference(spaceName, times) {
      const space = spaces.get(spaceName);
      if (!space) throw new Error(`no fake Meet space ${spaceName}`);
      space.conferences.push({
        name: `conferenceRecords/${space.conferences.length + 1}-${spaceName.slice(7)}`,
        startTime: times.startedAt.toISOString(),
        ...(times.endedAt ? { endTime: times.endedAt.toISOString() } : {}),
      });
    },
  };
  return fake;
}
