import { SessionError, toSessionJson, type SessionsCore } from '@itutor/sessions-core';
import { roleOf, toCancellationQuoteJson } from '@itutor/sessions-core/rules';
import type { z } from 'zod';
import type { AuthContext } from './auth';
import { cancelBody, rescheduleBody } from './body';
import type { RouteHandler } from './handlers';
import { json, problem } from './problem';

/**
 * The routes of the third release's outcomes (#22): the student's report of an absent tutor, the
 * cancellation fee preview, cancel (the fee re-checked) and reschedule. Built from the core handlers'
 * own kit, so authentication, ids, bodies and errors are answered exactly as for the other routes.
 */

/** What the outcome routes are built from (made by `createSessionsRouteHandlers`). */
export interface RouteKit {
  readonly core: SessionsCore;
  /** Answers a throw as a problem response. */
  readonly guard: (handler: RouteHandler) => RouteHandler;
  /** The caller, or the 401 to send. */
  readonly requireUser: (request: Request) => Promise<AuthContext | Response>;
  /** A session route with a body read by `schema`. */
  readonly sessionRoute: <T>(schema: z.ZodType<T>, run: (sessionId: string, auth: AuthContext, body: T, request: Request) => Promise<Response>) => RouteHandler;
  /** A session route with an empty body. */
  readonly sessionAction: (run: (sessionId: string, auth: AuthContext) => Promise<Response>) => RouteHandler;
  readonly isSessionId: (id: string) => boolean;
}

export function createOutcomeHandlers(kit: RouteKit) {
  const { core, guard, requireUser, sessionRoute, sessionAction, isSessionId } = kit;

  /**
   * Who the caller acts as for a cancel or a reschedule: the server (`isService`) as the platform, a
   * participant as their role; anyone else is refused (403 `NOT_SESSION_PARTICIPANT`).
   */
  const actingAs = async (sessionId: string, auth: AuthContext): Promise<'tutor' | 'student' | 'platform'> => {
    if (auth.isService) return 'platform';
    const session = await core.sessions.get(sessionId);
    if (!session) throw new SessionError('NOT_FOUND', `Session ${sessionId} was not found`);
    const role = roleOf(session, auth.userId);
    if (role === null) throw new SessionError('NOT_SESSION_PARTICIPANT', "Only the session's tutor or student may do this");
    return role;
  };
  const actor = (auth: AuthContext) => (auth.isService ? 'system' : auth.userId);

  return {
    /**
     * `POST /sessions/{id}/report-tutor-absent` → 200 `{ session }` (settled as `NO_SHOW_TUTOR`: nothing
     * charged), for the student only, from the end of the wait, while the student's presence is recorded.
     */
    reportTutorAbsent: sessionAction(async (sessionId, auth) => {
      const session = await core.sessions.reportTutorAbsent({ sessionId, userId: auth.userId });
      return json({ session: toSessionJson(session, { policy: core.policy }) });
    }),

    /**
     * `GET /sessions/{id}/cancellation` → 200 `{ quote }` (`CancellationQuoteJson`): what cancelling now
     * would be for the caller (a participant as their role, the server as the platform), and until when.
     */
    cancellationPreview: guard(async (request, params) => {
      const auth = await requireUser(request);
      if (auth instanceof Response) return auth;
      const id = params.id ?? '';
      if (!isSessionId(id)) return problem('NOT_FOUND', `Session ${id} was not found`);
      const by = await actingAs(id, auth);
      return json({ quote: toCancellationQuoteJson(await core.sessions.previewCancellation({ sessionId: id, userId: actor(auth), by })) });
    }),

    /**
     * `POST /sessions/{id}/cancel` `{ expectedChargeMinor?, reason? }` → 200 `{ session }` (`CANCELLED`, or
     * `CANCELLED_LATE` with its fee charged at once); 409 `CANCELLATION_FEE_CHANGED` with `quote` when the
     * fee is no longer the one confirmed.
     */
    cancel: sessionRoute(cancelBody, async (sessionId, auth, body) => {
      const by = await actingAs(sessionId, auth);
      const session = await core.sessions.cancel({ sessionId, userId: actor(auth), by, ...body });
      return json({ session: toSessionJson(session, { policy: core.policy }) });
    }),

    /**
     * `POST /sessions/{id}/reschedule` `{ startAt, reason? }` → 200 `{ session }` at its new times (same id,
     * booking and meeting link); 409 `TOO_LATE` inside the minimum notice; 503 `PROVIDER_UNAVAILABLE` when
     * the meeting could not be moved (the session is as it was).
     */
    reschedule: sessionRoute(rescheduleBody, async (sessionId, auth, body) => {
      const by = await actingAs(sessionId, auth);
      const session = await core.sessions.reschedule({ sessionId, userId: actor(auth), by, startAt: new Date(body.startAt), ...(body.reason ? { reason: body.reason } : {}) });
      return json({ session: toSessionJson(session, { policy: core.policy }) });
    }),

  };
}
