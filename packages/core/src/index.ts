/**
 * `@itutor/sessions-core`: the rules of paid online tutoring sessions: timing, money, the state
 * machine, ports and services. No I/O and no clock reads of its own.
 *
 * The browser-safe part (timing, money, status, policy, effective status) imports nothing heavier than
 * date-fns; services and input validation live in modules a browser bundle tree-shakes away.
 */
export { ERROR_CODES, SessionError, isSessionError } from './errors';
export type { SessionErrorCode, SessionErrorDetails } from './errors';
export { CHARGE_DEADLINE_KEY_MARGIN_MINUTES, DEFAULT_POLICY, chargeDeadlineForKeyLifetime, definePolicy } from './rules/policy';
export type { SessionPolicy } from './rules/policy';
export { EARLIEST_INSTANT, LATEST_INSTANT, computeSessionTimings, minPayableMinutes, noShowWaitMinutes, secondsUntil } from './rules/timing';
export type { SessionTimings } from './rules/timing';
export { MAX_PRICE_MINOR, amountsForOutcome, formatMoney } from './rules/money';
export type { ChargeSplit, FormatMoneyOptions } from './rules/money';
export { FINAL_STATUSES, SESSION_STATUSES, STATUS_LABELS, isFinalStatus } from './rules/status';
export type { SessionStatus } from './rules/status';
export { FINAL_SESSION_MUTABLE_FIELDS, toPublicChargeAttempt, toPublicSession } from './session/model';
export type {
  CancelledBy,
  ChargeAttempt,
  ChargeAttemptStatus,
  ChargedOutcome,
  ChargeStatus,
  LedgerWrite,
  PublicChargeAttempt,
  EventActor,
  ParticipantRole,
  ConnectionMark,
  ProviderConnection,
  ProviderTokens,
  ProviderTokensWrite,
  PublicSession,
  SealedProviderTokens,
  SealedToken,
  StoredProviderTokens,
  Session,
  SessionEvent,
  SessionEventDraft,
  SessionEventType,
  VideoProviderName,
} from './session/model';
export { SYSTEM_ACTOR, classifyRefundResult, effectiveStatus, refundInstructionFor, roleOf, transition } from './session/machine';
export type { ChargeAnswer, MeetingEndSource, RefundAnswer, SessionCommand, SessionEffect, TransitionOk, TransitionRefused, TransitionResult } from './session/machine';
export { joinGuard, noShowGuard, sessionPhase, studentJoinEvidence, studentJoinedInTime } from './session/guards';
export type {
  StudentJoinEvidence,
  StudentJoinSource,
  GuardAllowed,
  GuardRefused,
  GuardResult,
  GuardSession,
  JoinRefusalCode,
  NoShowRefusalCode,
  SessionPhase,
} from './session/guards';
export { withDeadline } from './deadline';
export type { DeadlineOptions } from './deadline';
export { randomId, systemClock, timeOrderedId } from './ports';
export type {
  Booking,
  ChargeCallOptions,
  ChargeInstruction,
  ChargeLedgerReader,
  ChargeResult,
  ClaimOptions,
  Clock,
  CreateMeetingInput,
  EventLogReader,
  IdGenerator,
  InsertSessionResult,
  Meeting,
  MeetingLookup,
  MeetingRepository,
  MeetingTimes,
  PaymentGateway,
  ProviderConnectionRepository,
  SessionRepository,
  TokensToSave,
  SessionWrite,
  SessionsAdapter,
  VideoProvider,
} from './ports';
export { createSessionsCore } from './core';
export { decideChargeAnswer, LATE_SUCCESS_REASON } from './ledger/answers';
export type { ChargeAnswerDecision, ChargeAnswerInput, ChargeAnswerOutcome, ChargeAnswerReport } from './ledger/answers';
export { MAX_REFUND_REASON_LENGTH, refundedSoFar, refundIdempotencyKey, refundSplit, toPublicRefund } from './ledger/refunds';
export type { PublicRefund, Refund, RefundAmounts, RefundInstruction, RefundLedgerReader, RefundResult, RefundStatus } from './ledger/refunds';
export type { RefundChargeInput, RefundReport, RefundRetryReport } from './ledger/refund-service';
export type { SessionsCore, SessionsCoreConfig, SettlementOptions, SettlementReport } from './core';
export { fromSessionJson, toSessionJson } from './session/wire';
export { assertValidMeetingEvent, autoNoShowEvidence, earliestStudentJoin } from './session/attendance';
export type {
  AutoNoShowEvidence,
  AttendanceEntry,
  AttendanceRepository,
  AttendanceRole,
  MatchParticipant,
  MeetingEventInput,
  MeetingEventKind,
  MeetingEventOutcome,
  MeetingParticipant,
} from './session/attendance';
export { MEETING_END_CLOCK_SKEW_MINUTES } from './session/attendance-service';
export { toChargeAttentionSummary } from './ledger/attention';
export type { ChargeAttentionSummary } from './ledger/attention';
export type { NoShowQuote, SessionJson } from './session/wire';
