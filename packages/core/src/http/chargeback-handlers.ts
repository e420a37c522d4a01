import { SessionError, type SessionsCore } from '@itutor/sessions-core';
import type { Chargeback } from '../ledger/chargebacks';
import { paymentStatusOf } from '../ledger/recovery';
import type { AuthContext } from './auth';
import type { PlatformStaffCheck } from './dispute-handlers';
import type { RouteHandler } from './handlers';
import type { RouteKit } from './outcome-handlers';
import { json, problem } from './problem';

/**
 * The payment-recovery and chargeback routes (issue #24). The student completes a charge that waits for
 * them (`/payment`, the session's student only); the platform's people — recognised by the host's
 * `isPlatformStaff` hook, never by anything the browser sends — read a session's chargebacks with the
 * evidence, stage it again, and submit it.
 */

/** A chargeback as JSON (`GET /sessions/{id}/chargebacks`): every instant an ISO 8601 string. */
export type ChargebackJson = {
  readonly [K in keyof Chargeback]: Chargeback[K] extends Date ? string : Chargeback[K] extends Date | null ? string | null : Chargeback[K];
};

/** The JSON of a chargeback. */
export function toChargebackJson(c: Chargeback): ChargebackJson {
  const iso = (d: Date | null) => (d === null ? null : d.toISOString());
  return {
    ...c,
    evidenceDueBy: iso(c.evidenceDueBy),
    gatewayUpdatedAt: c.gatewayUpdatedAt.toISOString(),
    evidenceStagedAt: iso(c.evidenceStagedAt),
    submittedAt: iso(c.submittedAt),
    openedAt: c.openedAt.toISOString(),
    closedAt: iso(c.closedAt),
    updatedAt: c.updatedAt.toISOString(),
  };
}

export function createChargebackHandlers(kit: RouteKit & { readonly isPlatformStaff: PlatformStaffCheck | undefined }) {
  const { core, guard, requireUser, sessionAction, isSessionId, isPlatformStaff } = kit;

  /** The session's student, or 403. */
  async function requireStudent(core_: SessionsCore, sessionId: string, auth: AuthContext) {
    const session = await core_.sessions.get(sessionId);
    if (!session) throw new SessionError('NOT_FOUND', `Session ${sessionId} was not found`);
    if (session.studentId !== auth.userId) throw new SessionError('NOT_SESSION_STUDENT', "Only the session's student completes its payment");
    return session;
  }

  /** The platform's people (or the server), else 403. Participants never see a chargeback's internals. */
  async function requireStaff(auth: AuthContext, request: Request): Promise<string> {
    if (auth.isService) return 'system';
    if (isPlatformStaff !== undefined && (await isPlatformStaff(auth, request)) === true) return auth.userId;
    throw new SessionError('FORBIDDEN', "Only the platform's people may see a session's chargebacks");
  }

  /** The chargeback number in the path (`/chargebacks/{n}/…`). */
  const numberOf = (request: Request): number | null => {
    const match = /\/chargebacks\/([1-9]\d{0,8})\/(?:stage|submit)\/?$/.exec(new URL(request.url).pathname);
    return match ? Number(match[1]) : null;
  };

  const chargebackStep = (run: (sessionId: string, number: number, actorId: string) => Promise<Chargeback>): RouteHandler =>
    guard(async (request, params) => {
      const auth = await requireUser(request);
      if (auth instanceof Response) return auth;
      const id = params.id ?? '';
      const number = numberOf(request);
      if (!isSessionId(id) || number === null) return problem('NOT_FOUND', `Chargeback ${id}/${number ?? '?'} was not found`);
      const actorId = await requireStaff(auth, request);
      return json({ chargeback: toChargebackJson(await run(id, number, actorId)) });
    });

  return {
    /** `GET /sessions/{id}/payment` → 200 `{ payment }` (`PaymentStatusJson`): for the session's student only. */
    paymentStatus: guard(async (request, params) => {
      const auth = await requireUser(request);
      if (auth instanceof Response) return auth;
      const id = params.id ?? '';
      if (!isSessionId(id)) return problem('NOT_FOUND', `Session ${id} was not found`);
      return json({ payment: paymentStatusOf(await requireStudent(core, id, auth)) });
    }),

    /**
     * `POST /sessions/{id}/payment` `{}` → 200 `{ payment }` (`OnSessionPayment`): the student completes a
     * charge that waits for them — the client secret of the attempt to confirm in the browser, or its
     * outcome. 403 `NOT_SESSION_STUDENT`, 409 `NO_CHARGE_PENDING`, 501 `PAYMENT_RECOVERY_NOT_SUPPORTED`,
     * 503 `GATEWAY_UNAVAILABLE`.
     */
    startPayment: sessionAction(async (sessionId, auth) => {
      await requireStudent(core, sessionId, auth);
      return json({ payment: await core.charges.startOnSession({ sessionId, studentId: auth.userId }) });
    }),

    /**
     * `GET /sessions/{id}/chargebacks` → 200 `{ chargebacks, evidence }`: the session's chargebacks
     * (`ChargebackJson[]`, staged evidence included) and the evidence as the SDK would build it now, for the
     * platform's people only (403 `FORBIDDEN` otherwise); 501 `CHARGEBACKS_NOT_SUPPORTED`.
     */
    chargebacks: guard(async (request, params) => {
      const auth = await requireUser(request);
      if (auth instanceof Response) return auth;
      const id = params.id ?? '';
      if (!isSessionId(id)) return problem('NOT_FOUND', `Session ${id} was not found`);
      await requireStaff(auth, request);
      const [list, evidence] = await Promise.all([core.chargebacks.list(id), core.chargebacks.evidence(id)]);
      return json({ chargebacks: list.map(toChargebackJson), evidence });
    }),

    /** `POST /sessions/{id}/chargebacks/{n}/stage` → 200 `{ chargeback }`: the evidence built now, staged (not submitted). */
    stageChargebackEvidence: chargebackStep((sessionId, chargeback) => core.chargebacks.stageEvidence({ sessionId, chargeback })),

    /** `POST /sessions/{id}/chargebacks/{n}/submit` → 200 `{ chargeback }`: a person submits the staged evidence (final). */
    submitChargebackEvidence: chargebackStep((sessionId, chargeback, actorId) => core.chargebacks.submitEvidence({ sessionId, chargeback, actorId })),
  };
}
