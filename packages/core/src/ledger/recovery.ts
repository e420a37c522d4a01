import type { OnSessionChargeResult } from '../ports';
import type { ChargedOutcome, Session } from '../session/model';
import { accepted, refuse, unchanged, type TransitionContext, type TransitionResult } from '../session/transition';
import { classifyChargeResult, type ChargeAnswer } from './answers';
import { pendingAttemptRow } from './charges';

/**
 * Payment recovery (issue #24, point 4; DESIGN.md "third release"): a charge that only the student can make
 * go through (3-D Secure, or a decline the customer must fix) is never sent off-session again — its session's
 * `chargeStatus` is `awaiting_customer` (see `recordChargeResult`) — and the student completes it on-session:
 * each time on a ledger attempt of its own, opened here, whose key the session holds while the attempt is
 * open. The settlement run never claims such a session, so the cron never races the student: the money is
 * taken at most once, by the one attempt the gateway answers `succeeded`.
 */

/** What `core.charges.startOnSession` answers the student (no Dates: the same shape goes over the wire). */
export type OnSessionPayment =
  | {
      /** The student confirms it in the browser with `clientSecret` (Stripe.js `confirmCardPayment`). */
      readonly status: 'requires_customer';
      readonly clientSecret: string;
      readonly attempt: number;
      readonly amountMinor: number;
      readonly currency: string;
    }
  | {
      /** `succeeded`: paid (recorded); `processing`: the gateway has not decided yet (its webhook will say). */
      readonly status: 'succeeded' | 'processing';
      readonly attempt: number;
      readonly amountMinor: number;
      readonly currency: string;
    }
  | {
      /** The attempt failed (recorded); the student may start again, on a new attempt. */
      readonly status: 'failed';
      readonly failureCode: string;
      readonly attempt: number;
      readonly amountMinor: number;
      readonly currency: string;
    };

/** Where a session's payment stands for its student (`GET /sessions/{id}/payment`). */
export interface PaymentStatusJson {
  /** `awaiting_customer`: the student's step is needed (`startOnSession`). */
  readonly chargeStatus: Session['chargeStatus'];
  readonly amountMinor: number | null;
  readonly currency: string;
  /** The ledger attempts opened so far. */
  readonly attempt: number;
}

/** The student's view of the payment: nothing secret. */
export function paymentStatusOf(session: Session): PaymentStatusJson {
  return { chargeStatus: session.chargeStatus, amountMinor: session.chargeAmountMinor, currency: session.currency, attempt: session.chargeAttempts };
}

/**
 * `START_ON_SESSION_CHARGE` (pure): the attempt the student completes. A session awaiting the student with no
 * attempt open gets attempt n + 1 (a new key, a `pending` row, `charge.requested` with `onSession: true`), the
 * session staying `awaiting_customer` with the key; one with an attempt open keeps it (the student came
 * back: the gateway is asked again under the same key). Anything else is refused `NO_CHARGE_PENDING`.
 */
export function openOnSessionAttempt(ctx: TransitionContext, studentId: string): TransitionResult {
  const { session, now } = ctx;
  if (session.chargeStatus !== 'awaiting_customer') {
    return refuse('NO_CHARGE_PENDING', `The session's charge does not wait for the student (${session.chargeStatus})`, { chargeStatus: session.chargeStatus });
  }
  if (session.chargeIdempotencyKey !== null) return unchanged(session);
  const attempt = session.chargeAttempts + 1;
  const row = pendingAttemptRow(session, session.status as ChargedOutcome, attempt, now);
  const next = ctx.next({ chargeAttempts: attempt, chargeIdempotencyKey: row.idempotencyKey });
  return accepted(next, [ctx.event('charge.requested', studentId, { attempt, amountMinor: row.amountMinor, onSession: true })], [{ type: 'open', attempt: row }]);
}

/** The most characters of a client secret taken from a gateway. */
const MAX_SECRET = 500;

/**
 * Reads the gateway's answer to `startOnSessionCharge`: `requires_customer` with a well-formed client secret,
 * or a charge answer validated like any other (`classifyChargeResult`: anything else is `unknown`).
 */
export function classifyOnSessionResult(value: unknown): { readonly status: 'requires_customer'; readonly clientSecret: string } | ChargeAnswer {
  const v = value as Partial<Record<'status' | 'clientSecret', unknown>> | null;
  if (typeof v === 'object' && v !== null && v.status === 'requires_customer') {
    const secret = v.clientSecret;
    if (typeof secret === 'string' && secret.length > 0 && secret.length <= MAX_SECRET) return { status: 'requires_customer', clientSecret: secret };
    return { status: 'unknown', reason: 'unrecognised_answer', reference: null };
  }
  return classifyChargeResult(value as OnSessionChargeResult);
}
