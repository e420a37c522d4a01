import { studentJoinEvidence } from './guards';
import { isFinalStatus } from '../rules/status';
import { amountsForOutcome } from '../rules/money';
import type { SessionPolicy } from '../rules/policy';
import type { PublicSession } from './model';
import { toPublicSession, type Session } from './model';

/**
 * What marking a no-show would cost, computed by the server with the core's rule
 * (`amountsForOutcome(priceMinor, 'NO_SHOW_STUDENT', policy)`) so a browser never computes money. The
 * amounts are in minor units of the session's `currency`, and `chargeMinor = payoutMinor + feeMinor`.
 */
export interface NoShowQuote {
  /** Share of the price charged for a no-show, in basis points (the policy's `noShowChargeBps`). */
  readonly chargeBps: number;
  /** What the student would be charged. */
  readonly chargeMinor: number;
  /** What the tutor would receive. */
  readonly payoutMinor: number;
  /** What the platform would keep. */
  readonly feeMinor: number;
}

/**
 * The JSON form of a {@link PublicSession}, as the HTTP handlers send it: every instant an ISO 8601 UTC
 * string, everything else as is, plus `noShowQuote`: what a no-show would cost (what the tutor's
 * confirmation and the student's warning state), or `null` when no no-show is possible any more (the
 * session is final, or the student joined within the wait) or the policy was not known to
 * {@link toSessionJson}. Host apps pass either form to the React components.
 */
export type SessionJson = {
  readonly [K in keyof PublicSession]: PublicSession[K] extends Date
    ? string
    : PublicSession[K] extends Date | null
      ? string | null
      : PublicSession[K];
} & { readonly noShowQuote: NoShowQuote | null };

const INSTANT_FIELDS = [
  'scheduledStartAt',
  'scheduledEndAt',
  'joinOpensAt',
  'noShowEligibleAt',
  'chargeScheduledAt',
  'studentJoinedAt',
  'tutorJoinedAt',
  'meetingEndedAt',
  'finalizedAt',
  'createdAt',
  'updatedAt',
] as const;

/**
 * A session (full or public) as JSON-ready data, without the secret fields: the one place the session
 * JSON is built (the HTTP handlers use it; so should a host that renders on the server). `policy` is the
 * one in force, `core.policy`: the no-show amounts (`noShowQuote`) are computed from it here, once, on
 * the server. `policy: null` when it is not known leaves `noShowQuote` `null` (the components then state
 * no amounts).
 */
export function toSessionJson(session: Session | PublicSession, options: { readonly policy: SessionPolicy | null }): SessionJson {
  const pub: Record<string, unknown> = { ...('joinUrl' in session ? toPublicSession(session) : session) };
  for (const key of INSTANT_FIELDS) {
    const value = pub[key];
    pub[key] = value instanceof Date ? value.toISOString() : (value ?? null);
  }
  pub.noShowQuote = noShowQuoteFor(session, options.policy);
  return pub as SessionJson;
}

/**
 * The {@link NoShowQuote} of `session` under `policy`; `null` without a policy or once no no-show is
 * possible whatever the time (final, or the student joined within the wait).
 */
function noShowQuoteFor(session: Session | PublicSession, policy: SessionPolicy | null): NoShowQuote | null {
  // Whether the tutor is present is not asked: the quote states what a no-show costs, the button says
  // whether the tutor may mark it now.
  if (!policy || isFinalStatus(session.status) || studentJoinEvidence(session) !== null) return null;
  return { chargeBps: policy.noShowChargeBps, ...amountsForOutcome(session.priceMinor, 'NO_SHOW_STUDENT', policy) };
}

/**
 * The reverse of {@link toSessionJson}: ISO strings back to `Date`s. Accepts either form. The JSON's
 * `noShowQuote` is left out (it is not part of a `PublicSession`).
 */
export function fromSessionJson(json: SessionJson | PublicSession): PublicSession {
  const { noShowQuote: _quote, ...out } = json as Record<string, unknown>;
  for (const key of INSTANT_FIELDS) {
    const value = out[key];
    out[key] = value === null || value === undefined ? null : value instanceof Date ? value : new Date(value as string);
  }
  return out as PublicSession;
}
