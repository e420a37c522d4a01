import { SessionError, type SessionsCore } from '@itutor/sessions-core';
import { roleOf } from '@itutor/sessions-core/rules';
import type { DisputeAction, DisputeRole } from '../ledger/disputes';
import type { AuthContext } from './auth';
import { disputeStepBody, openDisputeBody } from './body';
import type { RouteHandler } from './handlers';
import type { RouteKit } from './outcome-handlers';
import { json, problem } from './problem';

/**
 * The dispute routes (issue #23): the facts side by side, the student opening the dispute, and one route
 * per step. Participants act as their role; the platform's people are recognised by the host's
 * `isPlatformStaff` hook (never by anything the browser sends). Clients write nothing directly: every step
 * goes through `core.disputes`.
 */

/** The host's check that a signed-in user is one of the platform's people who may decide disputes. */
export type PlatformStaffCheck = (auth: AuthContext, request: Request) => boolean | Promise<boolean>;

/** The URL step names and the machine's. */
export const DISPUTE_STEP_ROUTES = {
  accept: 'accept',
  offer: 'offer',
  contest: 'contest',
  'accept-offer': 'accept_offer',
  'decline-offer': 'decline_offer',
  resolve: 'resolve',
} as const;

export function createDisputeHandlers(kit: RouteKit & { readonly isPlatformStaff: PlatformStaffCheck | undefined }) {
  const { core, guard, requireUser, sessionRoute, isSessionId, isPlatformStaff } = kit;

  /** The caller's role on the session: a participant's own, else the platform's when the host says so. */
  async function roleFor(core_: SessionsCore, sessionId: string, auth: AuthContext, request: Request): Promise<DisputeRole> {
    const session = await core_.sessions.get(sessionId);
    if (!session) throw new SessionError('NOT_FOUND', `Session ${sessionId} was not found`);
    const role = roleOf(session, auth.userId);
    if (role !== null) return role;
    if (auth.isService || (isPlatformStaff !== undefined && (await isPlatformStaff(auth, request)) === true)) return 'platform';
    throw new SessionError('NOT_SESSION_PARTICIPANT', "Only the session's tutor or student, or the platform's people, may see its dispute");
  }
  const view = async (sessionId: string, viewer: DisputeRole) => core.disputes.view({ sessionId, viewer });

  const step = (name: keyof typeof DISPUTE_STEP_ROUTES): RouteHandler =>
    sessionRoute(disputeStepBody, async (sessionId, auth, body, request) => {
      const role = await roleFor(core, sessionId, auth, request);
      const type = DISPUTE_STEP_ROUTES[name];
      const action = (
        type === 'offer' ? { type, amountMinor: body.amountMinor } : type === 'resolve' ? { type, resolution: body.resolution, amountMinor: body.amountMinor } : { type }
      ) as DisputeAction;
      await core.disputes.act({ sessionId, actorId: auth.isService ? 'system' : auth.userId, role, action, ...(body.message ? { message: body.message } : {}) });
      return json({ view: await view(sessionId, role) });
    });

  return {
    /**
     * `GET /sessions/{id}/dispute` → 200 `{ view }` (`DisputeViewJson`): the facts side by side, whether the
     * reader may open a dispute, and the steps they may take. For the session's tutor or student, and the
     * host's platform people (`isPlatformStaff`); others 403.
     */
    disputeView: guard(async (request, params) => {
      const auth = await requireUser(request);
      if (auth instanceof Response) return auth;
      const id = params.id ?? '';
      if (!isSessionId(id)) return problem('NOT_FOUND', `Session ${id} was not found`);
      return json({ view: await view(id, await roleFor(core, id, auth, request)) });
    }),

    /** `POST /sessions/{id}/dispute` `{ reason, message }` → 201 `{ view }`: the student opens the dispute. */
    openDispute: sessionRoute(openDisputeBody, async (sessionId, auth, body) => {
      await core.disputes.open({ sessionId, actorId: auth.userId, reason: body.reason, message: body.message });
      return json({ view: await view(sessionId, 'student') }, 201);
    }),

    /**
     * `POST /sessions/{id}/dispute/{accept|offer|contest|accept-offer|decline-offer|resolve}`
     * `{ message?, amountMinor?, resolution? }` → 200 `{ view }`. 409 `DISPUTE_NOT_ALLOWED` when the
     * caller's role may not take that step now, `DISPUTE_RESOLVED` once it is closed.
     */
    disputeSteps: Object.fromEntries(Object.keys(DISPUTE_STEP_ROUTES).map((name) => [name, step(name as keyof typeof DISPUTE_STEP_ROUTES)])) as Record<
      keyof typeof DISPUTE_STEP_ROUTES,
      RouteHandler
    >,
  };
}
