import { SessionError, isSessionError, toSessionJson, type Booking, type SessionsCore } from '@itutor/sessions-core';
import { roleOf } from '@itutor/sessions-core/rules';
import { toSessionAttendanceJson } from './attendance-wire';
import { assertUsableSecret, bearerToken, secretsEqual, type AuthContext, type Authenticator } from './auth';
import { createForBookingBody, DEFAULT_MAX_BODY_BYTES, emptyBody, readJsonBody } from './body';
import { createOutcomeHandlers } from './outcome-handlers';
import { createDisputeHandlers, type PlatformStaffCheck } from './dispute-handlers';
import { createChargebackHandlers } from './chargeback-handlers';
import type { z } from 'zod';
import { json, problem, problemFromError } from './problem';

/** Options shared by every handler. */
export interface SessionsHttpOptions {
  /** The services, from `createSessionsCore`. */
  readonly core: SessionsCore;
  /** Request → caller or `null`. See `createSupabaseAuthenticator` in `@itutor/sessions-supabase`. */
  readonly authenticate: Authenticator;
  /**
   * The host's bookings: the source of truth for who, when and how much. The create route only takes a
   * `bookingId`, so a browser can never set a price.
   */
  readonly getBooking: (bookingId: string) => Promise<Booking | null>;
  /**
   * The cron route's bearer secret: at least 32 printable ASCII characters without spaces (e.g.
   * `openssl rand -hex 32`). A secret that cannot work — blank, padded, with whitespace, a control or a
   * non-ASCII character inside — is refused (`INVALID_INPUT`) when the handlers are created, not at the
   * first cron call.
   */
  readonly cronSecret: string;
  /** Path prefix of the routes. Default `/api`. */
  readonly basePath?: string;
  /** Largest accepted request body in bytes. Default 8 KiB. */
  readonly maxBodyBytes?: number;
  /** Which path ids can be session ids; others are answered 404 before touching storage. Default: UUIDs. */
  readonly isSessionId?: (id: string) => boolean;
  /**
   * Called with unexpected errors (those answered 500) and video-provider failures (answered 503
   * `PROVIDER_UNAVAILABLE`; the provider's error is the `SessionError`'s `cause`), e.g. for logging.
   */
  readonly onUnexpectedError?: (error: unknown) => void;
  /**
   * More work for the cron route, run beside settlement in the same call, each under its name:
   * renewing Google Meet event subscriptions (`meet: () => renewMeetSubscriptions({ client, store })`
   * from `@itutor/sessions-video`), retrying refunds (`refunds: () => core.refunds.retry()`). A job's
   * result is answered under `jobs.<name>`; a job that throws is answered as `{ error: <code> }` (its
   * error goes to `onUnexpectedError`) and never stops settlement or the other jobs. Keep each within
   * the cron's interval (they run concurrently with settlement's `runBudgetMs`). Names: letters, digits,
   * `_` or `-`, at most 40 characters.
   */
  readonly cronJobs?: Readonly<Record<string, () => Promise<unknown>>>;
  /**
   * Recognises the platform's people who may decide disputes (the dispute routes' `platform` role): the
   * signed-in caller and the request → `true` for one of them. Without it only server calls
   * (`isService`) act for the platform. Participants of the session always act as their own role.
   */
  readonly isPlatformStaff?: PlatformStaffCheck;
}

const CRON_JOB_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,39}$/;

/** Throws `INVALID_INPUT` for cron jobs that cannot run (not functions, or badly named). */
function assertUsableCronJobs(jobs: unknown): void {
  if (jobs === undefined) return;
  const issues: Array<{ path: string; message: string }> = [];
  if (typeof jobs !== 'object' || jobs === null || Array.isArray(jobs)) {
    issues.push({ path: 'cronJobs', message: 'must be an object of named functions' });
  } else {
    for (const [name, job] of Object.entries(jobs)) {
      if (!CRON_JOB_NAME.test(name)) issues.push({ path: `cronJobs.${name}`, message: 'name must be letters, digits, _ or -, at most 40' });
      if (typeof job !== 'function') issues.push({ path: `cronJobs.${name}`, message: 'must be a function' });
    }
  }
  if (issues.length > 0) {
    throw new SessionError('INVALID_INPUT', `Invalid cron jobs: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, { issues });
  }
}

/** The shortest cron secret the handlers accept. */
export const MIN_CRON_SECRET_LENGTH = 32;

/** The first character an `Authorization: Bearer <token>` header cannot carry: not printable ASCII, or a space. */
const UNSENDABLE = /[^\x21-\x7E]/;

/**
 * Throws `INVALID_INPUT` for a cron secret that cannot work: not a string, blank, surrounded by
 * whitespace (a copy-paste slip: the header would never match), holding a character a bearer token
 * cannot carry (a space, tab or line break inside, a control character, anything outside ASCII — the
 * scheduler could never present it in `Authorization: Bearer …`), or shorter than 32 characters. The
 * message names the position, never the secret.
 */
function assertUsableCronSecret(secret: unknown): void {
  assertUsableSecret(secret, {
    path: 'cronSecret',
    minLength: MIN_CRON_SECRET_LENGTH,
    whenMissing: 'pass the CRON_SECRET your scheduler sends',
    extra: (text) => {
      const bad = UNSENDABLE.exec(text);
      return bad === null
        ? null
        : `contains ${/\s/.test(bad[0]) ? 'whitespace' : 'a control or non-ASCII character'} at character ${bad.index + 1}, which an \`Authorization: Bearer\` header cannot carry; use printable ASCII without spaces (e.g. \`openssl rand -hex 32\`)`;
    },
  });
}

/** A route handler: the request plus the path parameters the router extracted. */
export type RouteHandler = (request: Request, params: { readonly id?: string }) => Promise<Response>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The routes of the HTTP contract as individual handlers, for hosts whose framework routes by
 * file (Next.js route handlers). Most hosts mount {@link createSessionsHandler} instead.
 */
export function createSessionsRouteHandlers(options: SessionsHttpOptions) {
  assertUsableCronSecret(options.cronSecret);
  assertUsableCronJobs(options.cronJobs);
  const { core } = options;
  const cronJobs = Object.entries(options.cronJobs ?? {});
  // Payouts after the review window are the cron's work too: run them unless the host runs its own `payouts` job.
  const jobs: Array<[string, () => Promise<unknown>]> =
    core.policy.payoutTiming === 'after_review' && !cronJobs.some(([name]) => name === 'payouts') ? [...cronJobs, ['payouts', () => core.payouts.run()]] : cronJobs;
  // Chargebacks' unfinished steps (evidence to stage, a tutor share to move) too, when the core can take them.
  if (core.chargebacks.supported && !cronJobs.some(([name]) => name === 'chargebacks')) jobs.push(['chargebacks', () => core.chargebacks.retry()]);
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const isSessionId = options.isSessionId ?? ((id: string) => UUID.test(id));

  const guard = (handler: (request: Request, params: { readonly id?: string }) => Promise<Response>): RouteHandler =>
    async (request, params) => {
      try {
        return await handler(request, params);
      } catch (error) {
        return problemFromError(error, core.clock.now(), options.onUnexpectedError);
      }
    };

  const requireUser = async (request: Request): Promise<AuthContext | Response> => {
    const auth = await options.authenticate(request);
    if (!auth || typeof auth.userId !== 'string' || auth.userId === '') {
      return problem('UNAUTHENTICATED', 'Sign in to continue');
    }
    return auth;
  };

  /** A session route: the caller, the session id, and the body read with `schema` (no body: `{}`). */
  const sessionRoute = <T>(schema: z.ZodType<T>, run: (sessionId: string, auth: AuthContext, body: T, request: Request) => Promise<Response>): RouteHandler =>
    guard(async (request, params) => {
      const auth = await requireUser(request);
      if (auth instanceof Response) return auth;
      const id = params.id ?? '';
      if (!isSessionId(id)) return problem('NOT_FOUND', `Session ${id} was not found`);
      const body = await readJsonBody(request, schema, maxBytes);
      if (!body.ok) return body.response;
      return run(id, auth, body.value, request);
    });
  const sessionAction = (run: (sessionId: string, auth: AuthContext) => Promise<Response>) => sessionRoute(emptyBody, (id, auth) => run(id, auth));


  return {
    /**
     * `POST /sessions/create-for-booking` `{ bookingId }` → 201 new / 200 existing `{ session, created }`;
     * 503 `PROVIDER_UNAVAILABLE` with `Retry-After` when the video provider fails, hangs or answers nonsense
     * (nothing stored; the retry gets the booking's meeting back or a new one).
     */
    createForBooking: guard(async (request) => {
      const auth = await requireUser(request);
      if (auth instanceof Response) return auth;
      const body = await readJsonBody(request, createForBookingBody, maxBytes);
      if (!body.ok) return body.response;
      const booking = await options.getBooking(body.value.bookingId);
      if (!booking) return problem('NOT_FOUND', `Booking ${body.value.bookingId} was not found`);
      if (!auth.isService && auth.userId !== booking.tutorId) {
        return problem('FORBIDDEN', "Only the booking's tutor (or the server) can create its session");
      }
      const { session, created } = await core.sessions.create(booking, auth.isService ? 'system' : auth.userId);
      return json({ session: toSessionJson(session, { policy: core.policy }), created }, created ? 201 : 200);
    }),

    /** `POST /sessions/{id}/join` → 200 `{ joinUrl, session }` after the join is recorded. */
    join: sessionAction(async (sessionId, auth) => {
      const { session, joinUrl } = await core.sessions.join({ sessionId, userId: auth.userId });
      return json({ joinUrl, session: toSessionJson(session, { policy: core.policy }) });
    }),

    /** `POST /sessions/{id}/mark-no-show` → 200 `{ session }` (settled as `NO_SHOW_STUDENT`). */
    markNoShow: sessionAction(async (sessionId, auth) => {
      const session = await core.sessions.markNoShow({ sessionId, userId: auth.userId });
      return json({ session: toSessionJson(session, { policy: core.policy }) });
    }),

    ...createOutcomeHandlers({ core, guard, requireUser, sessionRoute, sessionAction, isSessionId }),
    ...createDisputeHandlers({ core, guard, requireUser, sessionRoute, sessionAction, isSessionId, isPlatformStaff: options.isPlatformStaff }),
    ...createChargebackHandlers({ core, guard, requireUser, sessionRoute, sessionAction, isSessionId, isPlatformStaff: options.isPlatformStaff }),

    /**
     * `GET /sessions/{id}/attendance` → 200 the session's provider-reported attendance
     * (`SessionAttendanceJson`: entries by time without e-mails, names or provider ids, and a summary),
     * for its tutor or student only (others: 403 `NOT_SESSION_PARTICIPANT`, as for a join). 404 for an
     * unknown session; 501 `ATTENDANCE_NOT_SUPPORTED` when the adapter stores no attendance.
     */
    attendance: guard(async (request, params) => {
      const auth = await requireUser(request);
      if (auth instanceof Response) return auth;
      const id = params.id ?? '';
      if (!isSessionId(id)) return problem('NOT_FOUND', `Session ${id} was not found`);
      const session = await core.sessions.get(id);
      if (!session) return problem('NOT_FOUND', `Session ${id} was not found`);
      if (roleOf(session, auth.userId) === null) {
        return problem('NOT_SESSION_PARTICIPANT', "Only the session's tutor or student may see its attendance");
      }
      if (!core.attendance.supported) {
        return problem('ATTENDANCE_NOT_SUPPORTED', 'This server stores no attendance from the video provider');
      }
      return json(toSessionAttendanceJson(session.id, await core.attendance.list(session.id)));
    }),

    /**
     * `GET|POST /cron/process-charges` with `Authorization: Bearer <cronSecret>` → 200 `{ report }`, the
     * settlement run's report, plus `jobs` (each of `cronJobs`' results by name) when there are any.
     */
    processCharges: guard(async (request) => {
      const token = bearerToken(request);
      // Compare even when absent so a missing header takes as long as a wrong one.
      const ok = await secretsEqual(token ?? '', options.cronSecret);
      if (!ok || token === null) return problem('UNAUTHENTICATED', 'A valid cron secret is required');
      const body = await readJsonBody(request, emptyBody, maxBytes);
      if (!body.ok) return body.response;
      if (jobs.length === 0) return json({ report: await core.settlement.run() });
      const runJob = async (job: () => Promise<unknown>): Promise<unknown> => {
        try {
          return (await job()) ?? null;
        } catch (error) {
          options.onUnexpectedError?.(error);
          const code = isSessionError(error) ? error.code : typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : 'INTERNAL';
          return { error: code };
        }
      };
      const [report, ...results] = await Promise.all([core.settlement.run(), ...jobs.map(([, job]) => runJob(job))]);
      return json({ report, jobs: Object.fromEntries(jobs.map(([name], i) => [name, results[i]])) });
    }),
  };
}

/** The handlers returned by {@link createSessionsRouteHandlers}. */
export type SessionsRouteHandlers = ReturnType<typeof createSessionsRouteHandlers>;
