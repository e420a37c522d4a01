import { createCommandRunner } from './command/runner';
import type { CoreContext } from './command/context';
import { withWriteIds } from './command/write-ids';
import { SessionError } from './errors';
import { createChargesResource, type ChargesResource } from './ledger/charge-resource';
import { createRefundSender, createRefundsResource, type RefundsResource } from './ledger/refund-resource';
import { createPayoutsResource, type PayoutsResource } from './ledger/payout-resource';
import { createDisputesResource, type DisputesResource } from './ledger/dispute-resource';
import { createChargebacksResource, type ChargebacksResource } from './ledger/chargeback-resource';
import { createSettlement, type SettlementResource } from './ledger/settlement';
import { resolveSettlementOptions, type SettlementOptions } from './ledger/settlement-options';
import { systemClock, timeOrderedId, type Clock, type IdGenerator, type PaymentGateway, type SessionsAdapter, type VideoProvider } from './ports';
import { createProvidersResource, type ProvidersResource } from './providers/connections';
import { chargeDeadlineForKeyLifetime, definePolicy, type SessionPolicy } from './rules/policy';
import type { MatchParticipant } from './session/attendance';
import { createAttendanceResource, type AttendanceResource } from './session/attendance-resource';
import { createSessionsResource, type SessionsResource } from './session/sessions';
import type { Session } from './session/model';

/** Everything the services need. */
export interface SessionsCoreConfig {
  readonly adapter: SessionsAdapter;
  readonly videoProvider: VideoProvider;
  readonly paymentGateway: PaymentGateway;
  /** Default: the system clock. Tests pass a manual clock. */
  readonly clock?: Clock;
  /** Ids of new sessions. Default: time-ordered UUID v7 (`timeOrderedId`); `randomId` for v4. */
  readonly ids?: IdGenerator;
  /**
   * Overrides of `DEFAULT_POLICY`; validated once here. Left unset, `chargeDeadlineMinutes` follows the
   * gateway: a little under its `idempotencyKeyLifetimeMinutes` when it declares one
   * (`chargeDeadlineForKeyLifetime`; Stripe → 1 380). Set explicitly, it must be under that lifetime.
   * The policy in force is `core.policy`.
   */
  readonly policy?: Partial<SessionPolicy>;
  readonly settlement?: SettlementOptions;
  /**
   * Optional check at session creation: does the student have a payment method the gateway can charge
   * later? When it resolves `false`, `core.sessions.create` refuses with `NO_PAYMENT_METHOD` (HTTP 409) before
   * any meeting is made. Leave it out to allow bookings without one (the charge then fails and is retried
   * until the policy's caps). With Stripe: `paymentMethodCheck: cards.hasUsablePaymentMethod` (from
   * `stripeCardSetup`). A check that throws fails the creation with that error (retry it): it neither
   * refuses nor allows the booking. Not asked when the booking's session exists already.
   */
  readonly paymentMethodCheck?: (studentId: string) => Promise<boolean> | boolean;
  /**
   * Matches a participant the video provider reported (e-mail, name, provider account) to the session's
   * `'tutor'` or `'student'`, or `'unknown'` (see `core.attendance.record`). Without it every reported
   * participant is `'unknown'`, and provider attendance never counts as the student's join.
   */
  readonly matchParticipant?: MatchParticipant;
  /**
   * Time limit, in ms, of one video-provider call made while creating a session: `createMeeting` (its
   * `signal` is aborted then) and `deleteMeeting` when a meeting is cleaned up. Default 15 000: longer than
   * one API call of the video package (10 s), short enough for a request a person waits on. Past it
   * `core.sessions.create` refuses with `PROVIDER_UNAVAILABLE`; a meeting the provider still makes afterwards is
   * kept under the booking's key, so the retry gets it back.
   */
  readonly meetingCallTimeoutMs?: number;
  /**
   * Told once when a session's charge starts waiting for its student (`chargeStatus: 'awaiting_customer'`:
   * the bank wants 3-D Secure, or declined with a reason only the customer can fix): ask the student to come
   * back and pay on-session (`CompletePaymentButton`, `POST /sessions/{id}/payment`). Called after the write
   * that made the change (the same write appends `charge.customer_action_required`), not awaited; its errors
   * are ignored. The student's own failed attempts do not tell it again.
   */
  readonly onCustomerActionRequired?: (session: Session) => void | Promise<void>;
}

/** Default of `SessionsCoreConfig.meetingCallTimeoutMs`. */
const DEFAULT_MEETING_CALL_TIMEOUT_MS = 15_000;

/**
 * The SDK's services, grouped by resource like the official Stripe client (`stripe.customers.create`):
 * `core.sessions.create(booking)`, `core.charges.list(sessionId)`, `core.settlement.run()`. Made by
 * {@link createSessionsCore}.
 */
export interface SessionsCore {
  /**
   * The validated policy in force: `DEFAULT_POLICY` with the host's overrides, and a
   * `chargeDeadlineMinutes` that follows the gateway's idempotency-key lifetime when the host set none.
   */
  readonly policy: SessionPolicy;
  /** The clock the services read (the HTTP layer uses it for `Retry-After`). */
  readonly clock: Clock;
  /** Sessions: create for a booking, read, join, mark a no-show, cancel, record the meeting's end; the audit trail. */
  readonly sessions: SessionsResource;
  /** Provider-reported attendance: record verified meeting events, list a session's joins and leaves. */
  readonly attendance: AttendanceResource;
  /** The charge ledger: attempts, answers reported by webhooks, the charges that need a person. */
  readonly charges: ChargesResource;
  /** Refunds of a succeeded charge: create, list, retry the unknown ones, record webhook answers. */
  readonly refunds: RefundsResource;
  /** The tutor's payouts: list, the cron's pass that sends due `after_review` payouts, webhook answers. */
  readonly payouts: PayoutsResource;
  /** Disputes of a charged session: open, answer, resolve, the facts side by side, the platform's queue. */
  readonly disputes: DisputesResource;
  /** Chargebacks (card disputes at the student's bank): recorded from the gateway, evidence staged and submitted. */
  readonly chargebacks: ChargebacksResource;
  /** Tutors' video-provider connections: connect, switch, read, mark expired. */
  readonly providers: ProvidersResource;
  /** The cron's work: settle due sessions and collect the charges still open. */
  readonly settlement: SettlementResource;
}

/**
 * Creates the SDK's services over an adapter and the provider / gateway ports.
 *
 * ```ts
 * const core = createSessionsCore({ adapter, videoProvider, paymentGateway });
 * const { session } = await core.sessions.create(booking);
 * ```
 */
export function createSessionsCore(config: SessionsCoreConfig): SessionsCore {
  const policy = policyForGateway(config.policy, config.paymentGateway);
  if (policy.payoutTiming === 'after_review' && (config.adapter?.payouts === undefined || typeof config.paymentGateway?.transfer !== 'function')) {
    // Without a payout ledger and a gateway that transfers, an after-review payout could never be paid.
    throw new SessionError('PAYOUTS_NOT_SUPPORTED', "payoutTiming 'after_review' needs the adapter's payout ledger (adapter.payouts) and a gateway with transfer()", {
      issues: [{ path: 'policy.payoutTiming', message: 'needs adapter.payouts and paymentGateway.transfer' }],
    });
  }
  if (policy.chargebackLossBearer === 'tutor' && typeof config.paymentGateway?.moveChargebackShare !== 'function') {
    // The tutor could never be asked for their share: refuse the policy rather than absorb it silently.
    throw new SessionError('CHARGEBACKS_NOT_SUPPORTED', "chargebackLossBearer 'tutor' needs a gateway with moveChargebackShare()", {
      issues: [{ path: 'policy.chargebackLossBearer', message: 'needs paymentGateway.moveChargebackShare' }],
    });
  }
  const meetingCallTimeoutMs = config.meetingCallTimeoutMs ?? DEFAULT_MEETING_CALL_TIMEOUT_MS;
  if (!Number.isSafeInteger(meetingCallTimeoutMs) || meetingCallTimeoutMs < 1) {
    throw new SessionError('INVALID_INPUT', 'meetingCallTimeoutMs must be a whole number ≥ 1', {
      issues: [{ path: 'meetingCallTimeoutMs', message: 'must be a whole number ≥ 1' }],
    });
  }
  const clock = config.clock ?? systemClock;
  // Every session write of the services goes through here and carries a write id.
  const sessions = withWriteIds(config.adapter.sessions);
  const settlementOptions = resolveSettlementOptions(config.settlement);
  const ctx: CoreContext = {
    adapter: config.adapter,
    sessions,
    runner: createCommandRunner({ sessions, clock, policy }),
    clock,
    ids: config.ids ?? timeOrderedId,
    policy,
    gateway: config.paymentGateway,
    video: config.videoProvider,
    matchParticipant: config.matchParticipant,
    paymentMethodCheck: config.paymentMethodCheck,
    meetingCallTimeoutMs,
    tellAwaitingCustomer: (before, after) => {
      const hook = config.onCustomerActionRequired;
      if (hook === undefined || before.chargeStatus === 'awaiting_customer' || after.chargeStatus !== 'awaiting_customer') return;
      void Promise.resolve()
        .then(() => hook(after))
        .catch(() => undefined);
    },
  };
  const settlement = createSettlement(ctx, settlementOptions);
  return {
    policy,
    clock,
    sessions: createSessionsResource(ctx, { chargeNow: settlement.chargeNow, leaseMinutes: settlementOptions.leaseMinutes }),
    attendance: createAttendanceResource(ctx),
    charges: createChargesResource(ctx, { timeoutMs: settlementOptions.chargeTimeoutMs }),
    refunds: createRefundsResource(ctx, { timeoutMs: settlementOptions.chargeTimeoutMs }),
    payouts: createPayoutsResource(ctx, { timeoutMs: settlementOptions.chargeTimeoutMs }),
    disputes: createDisputesResource(ctx, { refunds: createRefundSender(ctx, settlementOptions.chargeTimeoutMs) }),
    chargebacks: createChargebacksResource(ctx, { timeoutMs: settlementOptions.chargeTimeoutMs }),
    providers: createProvidersResource(ctx),
    settlement: settlement.resource,
  };
}

/**
 * The policy in force: the host's overrides validated, with a charge deadline the gateway's idempotency
 * keys outlive. An unknown answer is retried under the same key until the deadline, and a gateway that
 * has forgotten the key (Stripe: after 24 hours) would take the money a second time. So when the host
 * leaves `chargeDeadlineMinutes` unset, it follows the gateway's declared lifetime
 * (`chargeDeadlineForKeyLifetime`), and a deadline the host sets at or past the lifetime is refused.
 */
function policyForGateway(overrides: Partial<SessionPolicy> | undefined, gateway: PaymentGateway): SessionPolicy {
  const lifetime = gateway?.idempotencyKeyLifetimeMinutes;
  if (lifetime !== undefined && (!Number.isSafeInteger(lifetime) || lifetime < 1)) {
    throw new SessionError('INVALID_POLICY', 'paymentGateway.idempotencyKeyLifetimeMinutes must be a whole number ≥ 1', {
      issues: [{ path: 'paymentGateway.idempotencyKeyLifetimeMinutes', message: 'must be a whole number ≥ 1' }],
    });
  }
  const explicit = overrides?.chargeDeadlineMinutes !== undefined;
  const policy = definePolicy(
    explicit || lifetime === undefined ? overrides : { ...overrides, chargeDeadlineMinutes: chargeDeadlineForKeyLifetime(lifetime) },
  );
  if (lifetime === undefined || policy.chargeDeadlineMinutes < lifetime) return policy;
  if (!explicit) {
    // Only a 1-minute lifetime gets here: the smallest deadline the policy allows is 1 minute.
    const message = `leaves no charge deadline under it (the shortest deadline is 1 minute)`;
    throw new SessionError('INVALID_POLICY', `Invalid session policy: the payment gateway's idempotency-key lifetime (${lifetime} minutes) ${message}`, {
      issues: [{ path: 'paymentGateway.idempotencyKeyLifetimeMinutes', message }],
    });
  }
  const message = `must be less than the payment gateway's idempotency-key lifetime (${lifetime} minutes): a retry after the gateway forgot the key could charge twice`;
  throw new SessionError('INVALID_POLICY', `Invalid session policy: chargeDeadlineMinutes (${policy.chargeDeadlineMinutes}) ${message}`, {
    issues: [{ path: 'chargeDeadlineMinutes', message }],
  });
}

