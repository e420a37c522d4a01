/**
 * `@itutor/sessions-core/rules`: the product's rules as pure functions — timing, money, status, the
 * participant guards and the session's JSON form. No I/O, nothing heavier than date-fns: the entry a
 * browser bundle (the React kit) imports, and what a host needs to show a session.
 */
export { CHARGE_DEADLINE_KEY_MARGIN_MINUTES, DEFAULT_POLICY, chargeDeadlineForKeyLifetime, definePolicy } from './rules/policy';
export type { CancellationTier, SessionPolicy } from './rules/policy';
export { cancellationQuote, cancellationTierAt, toCancellationQuoteJson } from './rules/cancellation';
export type { CancellationQuote, CancellationQuoteJson } from './rules/cancellation';
export { EARLIEST_INSTANT, LATEST_INSTANT, computeSessionTimings, minPayableMinutes, noShowWaitMinutes, secondsUntil } from './rules/timing';
export type { SessionTimings } from './rules/timing';
export { MAX_PRICE_MINOR, amountsForOutcome, formatMoney } from './rules/money';
export type { ChargeSplit, FormatMoneyOptions } from './rules/money';
export { FINAL_STATUSES, SESSION_STATUSES, STATUS_LABELS, isFinalStatus } from './rules/status';
export type { SessionStatus } from './rules/status';
export {
  effectiveStatus,
  isPresent,
  joinGuard,
  noShowGuard,
  roleOf,
  sessionPhase,
  studentJoinEvidence,
  studentJoinedInTime,
  tutorAbsentGuard,
  tutorJoinEvidence,
} from './session/guards';
export type {
  GuardAllowed,
  GuardRefused,
  GuardResult,
  GuardSession,
  JoinRefusalCode,
  NoShowRefusalCode,
  ProviderJoins,
  SessionPhase,
  StudentJoinEvidence,
  StudentJoinSource,
  TutorAbsentRefusalCode,
} from './session/guards';
export { fromSessionJson, toSessionJson } from './session/wire';
export type { NoShowQuote, SessionJson } from './session/wire';
export { toPublicChargeAttempt, toPublicSession } from './session/model';
export type { ParticipantRole, PublicChargeAttempt, PublicSession, Session, VideoProviderName } from './session/model';
export { toPublicRefund } from './ledger/refunds';
export type { PublicRefund } from './ledger/refunds';
export { toPublicPayout } from './ledger/payouts';
export type { PublicPayout } from './ledger/payouts';
export { VIDEO_CONNECT_OUTCOMES } from './providers/connect-outcome';
export type { VideoConnectOutcome } from './providers/connect-outcome';
