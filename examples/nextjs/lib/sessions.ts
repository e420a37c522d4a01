import 'server-only';
import { createSessionsCore, type Booking, type SessionsCore } from '@itutor/sessions-core';
import { createSessionsHandler, problem, type Authenticator, type SessionsRoutePlugin } from '@itutor/sessions-core/http';
import {
  type SupabaseSessionsAdapter,
  createSqlAdapter,
  createSqlOAuthStateStore,
  createSupabaseAdapter,
  createSupabaseAuthenticator,
  createSupabaseOAuthStateStore,
  withSupabaseSessionCookie,
} from '@itutor/sessions-supabase';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import type { Pool } from 'pg';
import type { OAuthStateStore } from '@itutor/sessions-video';
import { matchParticipantByEmail } from './attendance';
import { createBookingLoader } from './bookings';
import { readLocalSessionsEnv, readSessionsEnv, readVideoEnv, SessionsConfigError, type VideoEnv } from './env';
import { createSqlBookingLoader } from './local/bookings';
import { openLocalDatabase } from './local/database';
import { createDevAuthenticator } from './local/dev-auth';
import { createLocalPaymentGateway, createLocalVideoProvider } from './local/fakes';
import { DEV_PEOPLE } from './local/people';
import { sessionsMode } from './mode';
import { configProblem, notConfigured } from './not-configured';
import { placeholderPaymentGateway, placeholderVideoProvider } from './placeholders';
import { createVideoSetup } from './video';
import { webhookRoutes } from './webhooks';

interface SessionsServerBase {
  readonly core: SessionsCore;
  /** Request → `{ userId }` of the signed-in user, or `null`. */
  readonly authenticate: Authenticator;
  /** The host's confirmed booking by id, or `null` (see `lib/bookings.ts`). */
  readonly getBooking: (bookingId: string) => Promise<Booking | null>;
  /**
   * Every SDK route in one handler (`app/api/[...path]/route.ts`): the core's (create-for-booking, join,
   * mark-no-show, attendance, the cron) and the plug-ins' (the Zoom and Meet webhooks, the video connect routes).
   */
  readonly handle: (request: Request) => Promise<Response>;
}

/** Production: Supabase for data and sign-in. */
export interface SupabaseSessionsServer extends SessionsServerBase {
  readonly mode: 'supabase';
  /** The service-role client. Server only: it bypasses row-level security. */
  readonly supabase: SupabaseClient;
}

/** Development only: PostgreSQL at DATABASE_URL, development sign-in, fakes (see `lib/mode.ts`). */
export interface LocalSessionsServer extends SessionsServerBase {
  readonly mode: 'local';
  /** node-postgres pool on DATABASE_URL (owner role: bypasses row-level security). */
  readonly pool: Pool;
  /** Signs the development sign-in cookie (and the cron route's bearer). */
  readonly cronSecret: string;
}

/** Everything the routes and pages need, built once per server process. */
export type SessionsServer = SupabaseSessionsServer | LocalSessionsServer;

// Kept on globalThis: Next.js may load this module more than once per process (route handlers and server
// components are bundled separately; `next dev` reloads modules), and there must be one pool and one setup.
const cache = globalThis as typeof globalThis & { __itutorSessionsServer?: Promise<SessionsServer> };

/**
 * The core over Supabase, or over the local database when DATABASE_URL is set, built on first use —
 * never at import time, so `next build` (which imports every route) needs no environment. Rejects with a
 * {@link SessionsConfigError} naming what is missing (and does not cache the failure).
 */
export function getSessionsServer(): Promise<SessionsServer> {
  if (!cache.__itutorSessionsServer) {
    const building = sessionsMode() === 'local' ? buildLocalServer() : Promise.resolve().then(buildSupabaseServer);
    cache.__itutorSessionsServer = building;
    building.catch(() => {
      if (cache.__itutorSessionsServer === building) cache.__itutorSessionsServer = undefined;
    });
  }
  return cache.__itutorSessionsServer;
}

function buildSupabaseServer(): SupabaseSessionsServer {
  const env = readSessionsEnv();

  const supabase = createClient(env.supabaseUrl, env.supabaseServiceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  });

  const adapter = createSupabaseAdapter(supabase);
  // Zoom / Google Meet on the tutors' accounts when configured (lib/video.ts); else the placeholder.
  const video = videoSetup(() => createSupabaseOAuthStateStore(supabase), adapter);
  const core = createSessionsCore({
    adapter,
    videoProvider: video.setup?.provider ?? placeholderVideoProvider, // PLACEHOLDER unless configured: see lib/placeholders.ts
    paymentGateway: placeholderPaymentGateway, // PLACEHOLDER: see lib/placeholders.ts
    // policy: { ... }, // optional overrides of the defaults (33 % wait, 66 % payable, 50 % no-show charge…)
    // Provider webhooks (app/api/webhooks/*): a reported participant is the tutor or the student when the
    // e-mail matches their Supabase Auth user. A failed lookup throws: the route answers 500 and the
    // provider delivers again; a user that no longer exists is simply not matched.
    matchParticipant: matchParticipantByEmail(async (userId) => {
      const { data, error } = await supabase.auth.admin.getUserById(userId);
      if (error && error.status !== 404) throw error;
      return data.user?.email ?? null;
    }),
  });

  // Verifies the user's Supabase access token: from `Authorization: Bearer`, or from the `@supabase/ssr`
  // session cookie that the browser sends with the buttons' requests (`withSupabaseSessionCookie`: cookie POSTs only from this site's pages).
  const authenticate = withSupabaseSessionCookie(
    createSupabaseAuthenticator({
      jwtSecret: env.supabaseJwtSecret, // HS256 tokens (the project's shared JWT secret)
      // Projects on Supabase's asymmetric signing keys: their public keys, fetched only for such tokens.
      jwksUrl: new URL('/auth/v1/.well-known/jwks.json', env.supabaseUrl),
    }),
    { supabaseUrl: env.supabaseUrl },
  );

  const getBooking = createBookingLoader(supabase);

  const handle = mountSessions({ core, authenticate, getBooking, cronSecret: env.cronSecret, connectRoutes: video.connectRoutes(core) });

  return { mode: 'supabase', supabase, core, authenticate, getBooking, handle };
}

/** DEVELOPMENT ONLY (see `lib/mode.ts`): the SQL adapter over node-postgres, development sign-in, fakes. */
async function buildLocalServer(): Promise<LocalSessionsServer> {
  const env = readLocalSessionsEnv(); // refuses production builds without ITUTOR_DEV_MODE=1, and Vercel
  const pool = await openLocalDatabase(env.databaseUrl); // bootstrap + the SDK's migrations + bookings + people

  const adapter = createSqlAdapter(pool);
  // The connect routes when Zoom / Google Meet are configured; meetings still come from the local fake.
  const video = videoSetup(() => createSqlOAuthStateStore(pool), adapter);
  const core = createSessionsCore({
    adapter,
    videoProvider: createLocalVideoProvider(process.env.APP_URL?.trim() || `http://localhost:${process.env.PORT ?? 3000}`),
    paymentGateway: createLocalPaymentGateway(),
    // The seeded people's e-mails (`<name>@dev.example` in auth.users), as in the Supabase mode.
    matchParticipant: matchParticipantByEmail(async (userId) => {
      const { rows } = await pool.query<{ email: string | null }>('select email from auth.users where id = $1', [userId]);
      return rows[0]?.email ?? null;
    }),
  });

  // The seeded tutors' video connections (Ben has none: his bookings are refused, as in real life).
  for (const person of DEV_PEOPLE) {
    if (person.role === 'tutor' && person.provider && !(await core.providers.canAcceptBookings(person.id))) {
      await core.providers.connect({ tutorId: person.id, provider: person.provider, tokens: null, externalAccountId: `${person.name.toLowerCase()}@dev.example` });
    }
  }

  const authenticate = createDevAuthenticator(env.cronSecret);
  const getBooking = createSqlBookingLoader(pool);
  const handle = mountSessions({ core, authenticate, getBooking, cronSecret: env.cronSecret, connectRoutes: video.connectRoutes(core) });
  console.info('[itutor sessions] LOCAL DEVELOPMENT MODE: PostgreSQL at DATABASE_URL, development sign-in, fake video provider and payments');
  return { mode: 'local', pool, cronSecret: env.cronSecret, core, authenticate, getBooking, handle };
}

/** The connect routes' paths for every provider, kept on the mount when they are not configured. */
const CONNECT_PATHS = ['zoom', 'google_meet'].flatMap((provider) =>
  ['connect', 'callback'].map((step) => ({ methods: ['GET'] as const, path: `/providers/${provider}/${step}` })),
);

/**
 * The video configuration (`readVideoEnv`): the providers and the connect routes when it is set; else no
 * providers (the placeholder stays) and connect routes that answer what is missing.
 */
function videoSetup(stateStore: () => OAuthStateStore, adapter: SupabaseSessionsAdapter) {
  let env: VideoEnv | null;
  try {
    env = readVideoEnv();
  } catch (error) {
    if (!(error instanceof SessionsConfigError)) throw error;
    return { setup: null, connectRoutes: () => notConfigured('video-connect', CONNECT_PATHS, error) };
  }
  if (!env) {
    const missing = new SessionsConfigError(
      'The video connect routes are not configured: set ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET (or GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET), ' +
        'VIDEO_TOKEN_KEY, VIDEO_COOKIE_SECRET and APP_URL (see examples/nextjs/README.md, "Zoom and Google Meet").',
    );
    return { setup: null, connectRoutes: () => notConfigured('video-connect', CONNECT_PATHS, missing) };
  }
  const setup = createVideoSetup(env, { adapter, stateStore: stateStore() });
  return { setup, connectRoutes: (core: SessionsCore): SessionsRoutePlugin => setup.connectRoutes(core) };
}

/** One handler for every SDK route: the core's, the webhooks', the connect routes'. */
function mountSessions(options: {
  core: SessionsCore;
  authenticate: Authenticator;
  getBooking: (bookingId: string) => Promise<Booking | null>;
  cronSecret: string;
  connectRoutes: SessionsRoutePlugin;
}): (request: Request) => Promise<Response> {
  return createSessionsHandler({
    core: options.core,
    authenticate: options.authenticate,
    getBooking: options.getBooking,
    cronSecret: options.cronSecret,
    onUnexpectedError: (error) => console.error('[itutor sessions] unexpected error', error),
    routes: [...webhookRoutes(options.core), options.connectRoutes],
  });
}

/**
 * Answers any request under `/api` (but `/api/dev/*`) with the one handler. A missing configuration is
 * logged with its full explanation and answered as a problem+json 500 (the body does not describe the
 * server's configuration).
 */
export async function handleSessionsRequest(request: Request): Promise<Response> {
  let server: SessionsServer;
  try {
    server = await getSessionsServer();
  } catch (error) {
    return configProblem(error);
  }
  return server.handle(request);
}

/** DEVELOPMENT: runs a `/api/dev/*` route in the local mode; in the Supabase mode those routes do not exist (404). */
export async function handleDevRoute(run: (server: LocalSessionsServer) => Promise<Response>): Promise<Response> {
  if (sessionsMode() !== 'local') return problem('ROUTE_NOT_FOUND', 'No such route');
  let server: SessionsServer;
  try {
    server = await getSessionsServer();
  } catch (error) {
    return configProblem(error);
  }
  if (server.mode !== 'local') return problem('ROUTE_NOT_FOUND', 'No such route');
  return run(server);
}
