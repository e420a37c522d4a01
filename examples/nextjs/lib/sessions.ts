import 'server-only';
import { createSessionsCore, type Booking, type SessionsCore } from '@itutor/sessions-core';
import { createSessionsRouteHandlers, problem, type Authenticator, type SessionsRouteHandlers } from '@itutor/sessions-core/http';
import { createSupabaseAdapter, createSupabaseAuthenticator, withSupabaseSessionCookie } from '@itutor/sessions-supabase';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { createBookingLoader } from './bookings';
import { readSessionsEnv, SessionsConfigError } from './env';
import { placeholderPaymentGateway, placeholderVideoProvider } from './placeholders';

/** Everything the routes and pages need, built once per server process. */
export interface SessionsServer {
  /** The service-role client. Server only: it bypasses row-level security. */
  readonly supabase: SupabaseClient;
  readonly core: SessionsCore;
  /** Request → `{ userId }` from the user's Supabase access token, or `null`. */
  readonly authenticate: Authenticator;
  /** The host's confirmed booking by id, or `null` (see `lib/bookings.ts`). */
  readonly getBooking: (bookingId: string) => Promise<Booking | null>;
  /** The four routes of the HTTP contract. */
  readonly routes: SessionsRouteHandlers;
}

let server: SessionsServer | undefined;

/**
 * The core over Supabase, built on first use — never at import time, so `next build` (which imports
 * every route) needs no environment. Throws a {@link SessionsConfigError} naming the missing variables.
 */
export function getSessionsServer(): SessionsServer {
  if (server) return server;
  const env = readSessionsEnv();

  const supabase = createClient(env.supabaseUrl, env.supabaseServiceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  });

  const core = createSessionsCore({
    adapter: createSupabaseAdapter(supabase),
    videoProvider: placeholderVideoProvider, // PLACEHOLDER: see lib/placeholders.ts
    paymentGateway: placeholderPaymentGateway, // PLACEHOLDER: see lib/placeholders.ts
    // policy: { ... }, // optional overrides of the defaults (33 % wait, 66 % payable, 50 % no-show charge…)
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

  const routes = createSessionsRouteHandlers({
    core,
    authenticate,
    getBooking,
    cronSecret: env.cronSecret,
    onUnexpectedError: (error) => console.error('[itutor sessions] unexpected error', error),
  });

  server = { supabase, core, authenticate, getBooking, routes };
  return server;
}

/**
 * Runs a route against the handlers. A missing configuration is logged with its full explanation and
 * answered as a problem+json 500 (the body does not describe the server's configuration).
 */
export async function handleSessionsRoute(
  run: (routes: SessionsRouteHandlers) => Promise<Response>,
): Promise<Response> {
  let routes: SessionsRouteHandlers;
  try {
    routes = getSessionsServer().routes;
  } catch (error) {
    if (!(error instanceof SessionsConfigError)) throw error;
    console.error(`[itutor sessions] ${error.message}`);
    return problem('INTERNAL', 'The sessions API is not configured on this server');
  }
  return run(routes);
}
