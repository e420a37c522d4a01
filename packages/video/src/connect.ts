import { SessionError, type ProvidersResource, type VideoProviderName } from '@itutor/sessions-core';
import { withDeadline, type ProviderTokens } from '@itutor/sessions-core/adapter';
import { assertUsableSecret, problem, secretsEqual, type AuthContext, type Authenticator, type SessionsPluginRoute, type SessionsRoutePlugin } from '@itutor/sessions-core/http';
import { generateCodeVerifier, generateState } from 'arctic';
import { GOOGLE_MEET_SCOPES } from './meet';
import type { OAuthStateStore } from './oauth-states';
import type { RefreshedTokens, TokenManager } from './tokens';
import type { VideoConnectOutcome } from '@itutor/sessions-core/rules';

/** Where a connect attempt ended (the `?video=` value of the redirect back): the core's, shared with the React kit. */
export type { VideoConnectOutcome };

/** What arctic's `Zoom` / `Google` answer from `validateAuthorizationCode` (only these methods are used). */
export interface AuthorizationCodeTokens extends RefreshedTokens {
  accessTokenExpiresAt(): Date;
}

/**
 * An OAuth client for the authorization-code flow with PKCE: `zoomProvider.oauth` / `meetProvider.oauth`
 * (at the provider's configured endpoints), `createZoomOAuthClient(...)`, or arctic's `Zoom` and `Google`.
 */
export interface OAuthAuthorizationClient {
  createAuthorizationURL(state: string, codeVerifier: string, scopes: string[]): URL;
  validateAuthorizationCode(code: string, codeVerifier: string): Promise<AuthorizationCodeTokens>;
}

/** One provider of the connect routes. */
export interface VideoConnectProvider {
  /**
   * The OAuth client, made with the callback route's URL as redirect URI: the provider's own
   * (`zoomProvider.oauth`, at its configured `endpoints`), or e.g.
   * `new Zoom(id, secret, 'https://tutor.example/api/providers/zoom/callback')`.
   */
  readonly oauth: OAuthAuthorizationClient;
  /** Seals the tokens as the provider reads them: the provider's token manager (`zoomProvider.tokens`). */
  readonly tokens: Pick<TokenManager, 'sealTokens'>;
  /**
   * Scopes to ask for. Default: none for Zoom (a Zoom app's scopes are set on the app: `meeting:write:meeting`,
   * `meeting:read:past_meeting`, …), `GOOGLE_MEET_SCOPES` for Google.
   */
  readonly scopes?: readonly string[];
  /**
   * Changes the authorization URL before the tutor is sent there (for example a local fake's address
   * in a demo). Default: the client's URL; for Google with `access_type=offline` and `prompt=consent`
   * added, so Google issues a refresh token.
   */
  readonly authorizationUrl?: (url: URL) => URL;
}

/** Options of {@link videoConnectRoutes}. */
export interface VideoConnectOptions {
  /** The core's services (only `core.providers.connect` is used: connect or switch in one step). A `SessionsCore` fits. */
  readonly core: { readonly providers: Pick<ProvidersResource, 'connect'> };
  /**
   * Who is signed in, for these routes only. Default: the mount's authenticator (`createSessionsHandler`'s
   * `authenticate`). The tutor reaches these routes by full-page navigation (a link, the provider's
   * redirect), which carries cookies but no `Authorization` header: give an authenticator that reads the
   * session cookie when the mount's does not.
   */
  readonly authenticate?: Authenticator;
  /** The providers tutors may connect. A provider missing here answers 404. */
  readonly providers: Partial<Record<VideoProviderName, VideoConnectProvider>>;
  /**
   * The key that signs the state cookie (HMAC-SHA256): at least 32 characters, e.g. `openssl rand -hex 32`.
   * Refused at creation when shorter, blank or padded with whitespace.
   */
  readonly cookieSecret: string;
  /**
   * Where used OAuth states are remembered, so each connect attempt is finished at most once across
   * every server instance (required: a host must not silently get per-process states). Give every
   * instance the same shared store, e.g. `createSqlOAuthStateStore(pool)` from
   * `@itutor/sessions-supabase`; `createInMemoryOAuthStateStore()` only for tests and a host that runs
   * exactly one server process. A store that fails, hangs (`stateStoreTimeoutMs`) or answers anything
   * but a boolean refuses the callback (`failed`, `onError` told): fail closed.
   */
  readonly stateStore: OAuthStateStore;
  /**
   * Where the tutor is sent back after the callback (and when the connect route refuses): an absolute
   * URL, or a function of the outcome and request. `video=<outcome>` and `provider=<name>` are added.
   */
  readonly returnTo: string | ((outcome: VideoConnectOutcome, request: Request) => string);
  /** Who may connect a provider (e.g. only tutors). Default: every signed-in user. */
  readonly canConnect?: (userId: string) => boolean | Promise<boolean>;
  /** How long a connect attempt may take. Default 600 000 (10 minutes). */
  readonly stateTtlMs?: number;
  /** Time limit of the code exchange. Default 15 000. */
  readonly exchangeTimeoutMs?: number;
  /** Time limit of the state store's `consume` during a callback. Default 5 000. */
  readonly stateStoreTimeoutMs?: number;
  /** The state cookie's name. Default `itutor_video_oauth`. */
  readonly cookieName?: string;
  /** Send the cookie with `Secure` (default `true`; browsers accept it on `http://localhost` too). */
  readonly secureCookie?: boolean;
  /** The source of "now". Default the system clock. */
  readonly clock?: { now(): Date };
  /** Called with unexpected errors (a failed exchange's cause, a failed store or state store), e.g. for logging. Never a token. */
  readonly onError?: (error: unknown) => void;
}

/** The shortest cookie secret {@link videoConnectRoutes} accepts. */
export const MIN_COOKIE_SECRET_LENGTH = 32;

const PROVIDERS: readonly VideoProviderName[] = ['zoom', 'google_meet'];
const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '='));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** The signed cookie's content. */
interface Attempt {
  readonly v: 1;
  /** The signed-in user who started the attempt. */
  readonly u: string;
  readonly p: VideoProviderName;
  readonly s: string;
  /** The PKCE code verifier. */
  readonly c: string;
  /** Expiry, epoch ms. */
  readonly e: number;
}

const isAttempt = (value: unknown): value is Attempt => {
  const a = value as Partial<Attempt> | null;
  return (
    typeof a === 'object' &&
    a !== null &&
    a.v === 1 &&
    typeof a.u === 'string' &&
    PROVIDERS.includes(a.p as VideoProviderName) &&
    typeof a.s === 'string' &&
    typeof a.c === 'string' &&
    typeof a.e === 'number'
  );
};

/** The hash a state is remembered under (SHA-256, hex): the state itself is never stored. */
async function stateHash(state: string): Promise<string> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', encoder.encode(`itutor-video-oauth-state:v1:${state}`)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}


function cookieValue(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return null;
}


/** What every connect route shares: the options, their defaults applied, and the cookie's signing key. */
interface ConnectContext {
  readonly options: VideoConnectOptions;
  readonly stateStore: OAuthStateStore;
  readonly cookieName: string;
  readonly ttlMs: number;
  readonly exchangeTimeoutMs: number;
  readonly stateStoreTimeoutMs: number;
  readonly secure: boolean;
  readonly clock: { now(): Date };
  readonly hmacKey: Promise<CryptoKey>;
}

/** One request to a connect route: who is signed in, the mount's base path, and the provider. */
interface ConnectCall {
  readonly request: Request;
  readonly user: AuthContext | null;
  readonly basePath: string;
  readonly name: VideoProviderName;
  readonly provider: VideoConnectProvider;
}

/** Checks the options (throws `INVALID_INPUT`) and applies their defaults. */
function connectContext(options: VideoConnectOptions): ConnectContext {
  assertUsableSecret(options.cookieSecret, { path: 'cookieSecret', minLength: MIN_COOKIE_SECRET_LENGTH });
  // Required, not defaulted to memory: a default in-process store would be silently wrong for every host
  // with more than one instance (replicas, serverless), where a replayed callback would then be accepted
  // by another instance and its code exchanged again. A single-process host opts in explicitly.
  const stateStore = options.stateStore as OAuthStateStore | undefined;
  if (typeof stateStore !== 'object' || stateStore === null || typeof stateStore.consume !== 'function') {
    throw new SessionError(
      'INVALID_INPUT',
      'stateStore is required: a store of used OAuth states shared by every server instance (e.g. createSqlOAuthStateStore from @itutor/sessions-supabase; createInMemoryOAuthStateStore() for tests or a single process)',
      { issues: [{ path: 'stateStore', message: 'is missing or has no consume()' }] },
    );
  }
  if (typeof options.returnTo === 'string') {
    try {
      new URL(options.returnTo);
    } catch {
      throw new SessionError('INVALID_INPUT', 'returnTo must be an absolute URL', { issues: [{ path: 'returnTo', message: 'not an absolute URL' }] });
    }
  }
  if (options.authenticate !== undefined && typeof options.authenticate !== 'function') {
    throw new SessionError('INVALID_INPUT', 'authenticate must be a function', { issues: [{ path: 'authenticate', message: 'is not a function' }] });
  }
  return {
    options,
    stateStore,
    cookieName: options.cookieName ?? 'itutor_video_oauth',
    ttlMs: options.stateTtlMs ?? 600_000,
    exchangeTimeoutMs: options.exchangeTimeoutMs ?? 15_000,
    stateStoreTimeoutMs: options.stateStoreTimeoutMs ?? 5_000,
    secure: options.secureCookie ?? true,
    clock: options.clock ?? { now: () => new Date() },
    hmacKey: globalThis.crypto.subtle.importKey('raw', encoder.encode(`itutor-video-oauth:v1:${options.cookieSecret}`), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]),
  };
}

/** The `set-cookie` value of the state cookie. */
function stateCookie(ctx: ConnectContext, basePath: string, value: string, maxAgeSeconds: number): string {
  // The cookie goes only to the connect routes: `{basePath}/providers`, the mount's base path per request.
  return `${ctx.cookieName}=${value}; Path=${basePath}/providers; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${ctx.secure ? '; Secure' : ''}`;
}

async function signAttempt(ctx: ConnectContext, attempt: Attempt): Promise<string> {
  const payload = base64url(encoder.encode(JSON.stringify(attempt)));
  const signature = new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', await ctx.hmacKey, encoder.encode(payload)));
  return `${payload}.${base64url(signature)}`;
}

/** The attempt in the request's cookie, if its signature holds (checked in constant time by Web Crypto). */
async function readAttempt(ctx: ConnectContext, request: Request): Promise<Attempt | null> {
  const raw = cookieValue(request.headers.get('cookie'), ctx.cookieName);
  if (!raw || raw.length > 4096) return null;
  const [payload, signature, extra] = raw.split('.');
  if (payload === undefined || signature === undefined || extra !== undefined) return null;
  const sig = fromBase64url(signature);
  if (!sig || !(await globalThis.crypto.subtle.verify('HMAC', await ctx.hmacKey, sig as Uint8Array<ArrayBuffer>, encoder.encode(payload)))) return null;
  try {
    const bytes = fromBase64url(payload);
    const value: unknown = bytes ? JSON.parse(new TextDecoder().decode(bytes)) : null;
    return isAttempt(value) ? value : null;
  } catch {
    return null;
  }
}

/** The redirect to `returnTo` with `?video=<outcome>&provider=<name>`. */
function redirectBack(ctx: ConnectContext, request: Request, outcome: VideoConnectOutcome, provider: VideoProviderName, extraHeaders: [string, string][] = []): Response {
  const { returnTo } = ctx.options;
  const target = new URL(typeof returnTo === 'function' ? returnTo(outcome, request) : returnTo);
  target.searchParams.set('video', outcome);
  target.searchParams.set('provider', provider);
  const headers = new Headers({ location: target.toString(), 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  for (const [name, value] of extraHeaders) headers.append(name, value);
  return new Response(null, { status: 302, headers });
}

/** `GET …/connect`: sends the signed-in tutor to the provider's consent page, the attempt in a signed cookie. */
async function connectRoute(ctx: ConnectContext, { request, user, basePath, name, provider }: ConnectCall): Promise<Response> {
  const { options } = ctx;
  if (!user) return redirectBack(ctx, request, 'unauthenticated', name);
  if (options.canConnect && !(await options.canConnect(user.userId))) return redirectBack(ctx, request, 'forbidden', name);
  const state = generateState();
  const verifier = generateCodeVerifier();
  const scopes = [...(provider.scopes ?? (name === 'google_meet' ? GOOGLE_MEET_SCOPES : []))];
  let url = provider.oauth.createAuthorizationURL(state, verifier, scopes);
  if (name === 'google_meet') {
    // Without these Google issues no refresh token (or only on the very first consent).
    if (!url.searchParams.has('access_type')) url.searchParams.set('access_type', 'offline');
    if (!url.searchParams.has('prompt')) url.searchParams.set('prompt', 'consent');
  }
  if (provider.authorizationUrl) url = provider.authorizationUrl(url);
  const value = await signAttempt(ctx, { v: 1, u: user.userId, p: name, s: state, c: verifier, e: ctx.clock.now().getTime() + ctx.ttlMs });
  return new Response(null, {
    status: 302,
    headers: { location: url.toString(), 'cache-control': 'no-store', 'set-cookie': stateCookie(ctx, basePath, value, Math.ceil(ctx.ttlMs / 1000)) },
  });
}

async function exchangeCode(ctx: ConnectContext, provider: VideoConnectProvider, code: string, verifier: string): Promise<ProviderTokens> {
  // Past the limit: rejects (`TimeoutError`), like a failed exchange.
  const tokens = await withDeadline(() => provider.oauth.validateAuthorizationCode(code, verifier), { timeoutMs: ctx.exchangeTimeoutMs, what: 'the code exchange' });
  const accessToken = tokens.accessToken();
  if (typeof accessToken !== 'string' || accessToken === '') throw new Error('the token answer has no access token');
  let expiresAt: Date | null = null;
  try {
    expiresAt = tokens.accessTokenExpiresAt();
  } catch {
    expiresAt = null;
  }
  return { accessToken, refreshToken: tokens.hasRefreshToken() ? tokens.refreshToken() : null, expiresAt };
}

/**
 * Marks the attempt's state used in the shared store: `true` only when this call is the first and the
 * store answered `true` in time. A store that fails, hangs or answers a non-boolean throws (fail closed).
 */
async function consumeState(ctx: ConnectContext, attempt: Attempt, now: number): Promise<boolean> {
  // Past the limit: rejects (`TimeoutError`, "the OAuth state store did not answer within … ms").
  const answer: unknown = await withDeadline(async () => ctx.stateStore.consume(await stateHash(attempt.s), new Date(attempt.e), new Date(now)), {
    timeoutMs: ctx.stateStoreTimeoutMs,
    what: 'the OAuth state store',
  });
  if (typeof answer !== 'boolean') throw new TypeError(`the OAuth state store answered ${typeof answer}, not a boolean`);
  return answer;
}

/** `GET …/callback`: checks the attempt, exchanges the code, and connects the provider; always clears the cookie. */
async function callbackRoute(ctx: ConnectContext, { request, user, basePath, name, provider }: ConnectCall): Promise<Response> {
  const { options } = ctx;
  const clear: [string, string][] = [['set-cookie', stateCookie(ctx, basePath, '', 0)]];
  const done = (outcome: VideoConnectOutcome) => redirectBack(ctx, request, outcome, name, clear);
  const params = new URL(request.url).searchParams;
  const now = ctx.clock.now().getTime();

  const attempt = await readAttempt(ctx, request);
  if (!attempt || attempt.e <= now || attempt.p !== name) return done('expired_state');
  if (!user) return done('unauthenticated');
  if (!(await secretsEqual(user.userId, attempt.u))) return done('wrong_user');
  const state = params.get('state');
  if (state === null || !(await secretsEqual(state, attempt.s))) return done('expired_state');
  // Single use across every instance sharing the store; before anything else, so a replayed
  // callback never reaches the provider. A store that cannot answer refuses the callback.
  let first: boolean;
  try {
    first = await consumeState(ctx, attempt, now);
  } catch (cause) {
    options.onError?.(cause);
    return done('failed');
  }
  if (!first) return done('expired_state');

  const error = params.get('error');
  if (error !== null) return done(error === 'access_denied' ? 'denied' : 'exchange_failed');
  const code = params.get('code');
  if (code === null || code === '' || code.length > 2048) return done('exchange_failed');

  let tokens: ProviderTokens;
  try {
    tokens = await exchangeCode(ctx, provider, code, attempt.c);
  } catch (cause) {
    options.onError?.(cause);
    return done('exchange_failed');
  }
  try {
    const sealed = await provider.tokens.sealTokens(attempt.u, tokens);
    await options.core.providers.connect({ tutorId: attempt.u, provider: name, tokens: sealed, actorId: attempt.u });
  } catch (cause) {
    options.onError?.(cause);
    return done('failed');
  }
  return done('connected');
}

/**
 * The OAuth connect routes for Zoom and Google Meet, as a route plug-in of the core's one mount
 * (`createSessionsHandler({ ..., routes: [videoConnectRoutes({ ... })] })` from
 * `@itutor/sessions-core/http`; server only). Two routes for each provider in `providers`, under the
 * mount's base path:
 *
 * - `GET {basePath}/providers/{zoom|google_meet}/connect`: sends the signed-in tutor to the provider's
 *   consent page (authorization code with PKCE, S256), with a random `state`; the state, the PKCE
 *   verifier, the tutor and the provider travel in an HttpOnly, `Secure`, `SameSite=Lax` cookie signed
 *   with HMAC-SHA256 and valid for 10 minutes.
 * - `GET {basePath}/providers/{provider}/callback`: checks the cookie's signature and age, that the same
 *   user is signed in, and the `state` against the cookie (constant time; CSRF); refuses a state used
 *   before, on any instance sharing `stateStore` (fail closed); exchanges the code (with the verifier) for tokens; seals them; and connects or switches the
 *   tutor's provider in one step (`core.providers.connect`). Always clears the cookie and redirects to
 *   `returnTo` with `?video=<outcome>&provider=<name>` (`VideoConnectOutcome`); every outcome but
 *   `connected` changes nothing.
 *
 * The routes take the signed-in user from the mount (`auth: 'optional'`: a signed-out visitor is sent back
 * with `unauthenticated`, not answered 401), through `authenticate` when given. A provider missing from
 * `providers` has no routes (404); other methods answer 405, as `application/problem+json`. Tokens never
 * reach the browser, a log or an error.
 *
 * ```ts
 * const handle = createSessionsHandler({
 *   core, authenticate, getBooking, cronSecret,
 *   routes: [
 *     videoConnectRoutes({
 *       core, cookieSecret: process.env.VIDEO_COOKIE_SECRET!,
 *       returnTo: 'https://tutor.example/settings/video',
 *       stateStore: createSqlOAuthStateStore(pool), // shared by every instance (@itutor/sessions-supabase)
 *       providers: {
 *         zoom: { oauth: zoomProvider.oauth, tokens: zoomProvider.tokens },
 *         google_meet: { oauth: meetProvider.oauth, tokens: meetProvider.tokens },
 *       },
 *     }),
 *   ],
 * });
 * ```
 */
export function videoConnectRoutes(options: VideoConnectOptions): SessionsRoutePlugin {
  const ctx = connectContext(options);
  const routes: SessionsPluginRoute[] = [];
  for (const name of PROVIDERS) {
    const provider = options.providers[name];
    if (!provider) continue;
    for (const step of ['connect', 'callback'] as const) {
      routes.push({
        methods: ['GET'],
        path: `/providers/${name}/${step}`,
        auth: 'optional',
        ...(options.authenticate ? { authenticate: options.authenticate } : {}),
        handle: async (request, { user, basePath }) => {
          const call: ConnectCall = { request, user, basePath, name, provider };
          try {
            return await (step === 'connect' ? connectRoute(ctx, call) : callbackRoute(ctx, call));
          } catch (error) {
            // The host's returnTo / canConnect threw: a server error, never a token. (An authenticator that
            // throws is answered by the mount alike, and told to its onUnexpectedError.)
            options.onError?.(error);
            return problem('INTERNAL', 'An unexpected error occurred');
          }
        },
      });
    }
  }
  if (routes.length === 0) {
    throw new SessionError('INVALID_INPUT', 'providers must configure zoom or google_meet', { issues: [{ path: 'providers', message: 'names no provider' }] });
  }
  return { id: 'video-connect', routes };
}
